import Foundation
import Testing
@testable import Synapse

/// Knowledge distillation: the loss and its gradient equal PyTorch's on a fixture (and finite
/// differences), the teacher records no gradient, and cached teacher logits train exactly as the
/// teacher run per batch.
@Suite struct DistillationTests {
    static func fixture() throws -> SafeTensorsArchive {
        guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { throw Golden.Failure("no Fixtures") }
        return try SafeTensors.load(from: dir.appendingPathComponent("distillation/distillation.safetensors"))
    }

    /// Tolerance: Float32 softmax/log-softmax chains on logits of order 5 agree with PyTorch to a
    /// few ulps; 1e-5 absolute (plus 1e-5 relative) leaves room for summation order only.
    @Test func lossAndGradientMatchPyTorch() throws {
        let archive = try Self.fixture()
        let teacher = try archive.tensor("teacher")
        let labels = IntTensor(try archive.tensor("labels").scalars.map { Int($0) })
        for i in 0..<4 {
            let settings = try archive.tensor("case\(i).settings").scalars
            let student = try archive.tensor("student").detached().requiringGrad()
            let loss = distillationLoss(studentLogits: student, teacherLogits: teacher, labels: labels,
                                        settings: DistillationSettings(temperature: settings[0], alpha: settings[1]))
            loss.backward()
            let expectedLoss = try archive.tensor("case\(i).loss").item()
            #expect(abs(loss.item() - expectedLoss) <= 1e-5 + 1e-5 * abs(expectedLoss), "case \(i): \(loss.item()) vs \(expectedLoss)")
            let grad = try #require(student.grad)
            #expect(grad.isClose(to: try archive.tensor("case\(i).grad"), rtol: 1e-4, atol: 1e-6), "case \(i) gradient")
        }
    }

    @Test func gradientMatchesFiniteDifferences() {
        let teacher = Tensor.randn([4, 3], generator: RandomGenerator(seed: 3)) * 2
        let labels = IntTensor([2, 0, 1, 1])
        FiniteDifference.check("distillationLoss", [Tensor.randn([4, 3], generator: RandomGenerator(seed: 4))]) { x in
            distillationLoss(studentLogits: x[0], teacherLogits: teacher, labels: labels,
                             settings: DistillationSettings(temperature: 2, alpha: 0.7))
        }
    }

    @Test func theTeacherGetsNoGradientAndKeepsItsMode() throws {
        let teacher = MLPClassifier(inputSize: 4, hiddenSizes: [6], classes: 3, generator: RandomGenerator(seed: 1))
        let student = MLPClassifier(inputSize: 4, hiddenSizes: [2], classes: 3, generator: RandomGenerator(seed: 2))
        teacher.train()
        let objective = TrainingObjective<TensorDataset.Batch>.distillation(student: student, teacher: teacher)
        let batch = (features: Tensor.randn([5, 4], generator: RandomGenerator(seed: 3)), labels: IntTensor([0, 1, 2, 0, 1]))
        let (_, loss) = objective.forward(batch)
        loss.backward()
        #expect(teacher.parameters().allSatisfy { $0.grad == nil })
        #expect(student.parameters().allSatisfy { $0.grad != nil })
        #expect(teacher.isTraining)
    }

    @Test func cachedTeacherLogitsTrainLikeThePerBatchTeacher() throws {
        let x = Tensor.randn([40, 4], generator: RandomGenerator(seed: 5))
        let data = TensorDataset(features: x, labels: IntTensor((0..<40).map { $0 % 3 }))
        let teacher = MLPClassifier(inputSize: 4, hiddenSizes: [8], classes: 3, generator: RandomGenerator(seed: 6))
        func trained(cached: Bool) throws -> [Float] {
            let student = MLPClassifier(inputSize: 4, hiddenSizes: [3], classes: 3, generator: RandomGenerator(seed: 7))
            let optimizer = Adam(student.parameters(), learningRate: 0.01)
            if cached {
                let loader = DataLoader(TeacherLogitsDataset(data, teacher: teacher), batchSize: 8, shuffle: true, seed: 1)
                _ = try Trainer(model: student, optimizer: optimizer, objective: .distillation(student: student), train: loader,
                                validation: nil as DataLoader<TeacherLogitsDataset>?).fit(epochs: 2)
            } else {
                let loader = DataLoader(data, batchSize: 8, shuffle: true, seed: 1)
                _ = try Trainer(model: student, optimizer: optimizer, objective: .distillation(student: student, teacher: teacher),
                                train: loader, validation: nil as DataLoader<TensorDataset>?).fit(epochs: 2)
            }
            return student.parameters().flatMap { $0.value.scalars }
        }
        let a = try trained(cached: true), b = try trained(cached: false)
        #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 })
        let cached = TeacherLogitsDataset(data, teacher: teacher)
        #expect(cached[3].teacherLogits.isClose(to: withoutGradients { teacher(x.slice(dim: 0, start: 3, end: 4)) }.reshaped([3]), atol: 1e-6))
    }
}
