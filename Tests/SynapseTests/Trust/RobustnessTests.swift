import Foundation
import Testing
@testable import Synapse
@testable import SynapseEval

/// Adversarial attacks and adversarial training: FGSM and PGD against PyTorch on a fixture MLP
/// (`scripts/make-robustness-fixtures.py`), the ε-ball and the input range, reproducibility, PGD at
/// least as strong as FGSM, parameter gradients left alone, and adversarial training through `Trainer`.
///
/// Tolerances. The input gradient matches PyTorch's to 10⁻⁵ relative. An attack step takes the
/// gradient's sign, so a coordinate whose gradient is within rounding of 0 may step the other way:
/// attacked inputs must match PyTorch's to 10⁻⁵ on at least 99% of the values (L∞) and to 10⁻⁴ on
/// all of them (L2, no signs).
@Suite struct RobustnessTests {
    struct Fixture {
        let model: MLPClassifier
        let x: Tensor
        let y: IntTensor
        let file: SafeTensorsArchive

        init() throws {
            guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { throw Golden.Failure("no Fixtures") }
            let url = dir.appendingPathComponent("robustness/attacks.safetensors")
            file = try SafeTensors.load(from: url)
            model = MLPClassifier(inputSize: 16, hiddenSizes: [32], classes: 3, generator: RandomGenerator(seed: 0))
            try model.load(from: url, strict: false)
            x = try file.tensor("x")
            y = try file.intTensor("y")
        }
    }

    /// Three blobs in [0, 1]^16 and a small MLP trained on them (normally, or adversarially).
    static func blobs(count: Int, seed: UInt64) -> TensorDataset {
        let g = RandomGenerator(seed: 100)
        let centres = (0..<3).map { _ in (0..<16).map { _ in 0.25 + 0.5 * g.nextUniform() } }
        let r = RandomGenerator(seed: seed)
        var values: [Float] = [], labels: [Int] = []
        for i in 0..<count {
            let c = i % 3
            labels.append(c)
            values += centres[c].map { min(max($0 + 0.12 * r.nextNormal(), 0), 1) }
        }
        return TensorDataset(features: Tensor(shape: [count, 16], scalars: values), labels: IntTensor(labels))
    }

    static func trained(adversarial: AdversarialTraining?) throws -> MLPClassifier {
        let model = MLPClassifier(inputSize: 16, hiddenSizes: [32], classes: 3, generator: RandomGenerator(seed: 1))
        let loader = DataLoader(blobs(count: 600, seed: 2), batchSize: 32, shuffle: true, seed: 3)
        let objective: TrainingObjective<TensorDataset.Batch> = adversarial.map { .adversarialClassification(model, recipe: $0) }
            ?? .classification(model)
        let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: 0.01), objective: objective,
                              train: loader, validation: DataLoader(blobs(count: 90, seed: 4), batchSize: 45))
        _ = try trainer.fit(epochs: 15)
        return model
    }

    @Test func inputGradientMatchesPyTorchAndFiniteDifferences() throws {
        let f = try Fixture()
        let g = InputGradient.crossEntropy(f.model, inputs: f.x, labels: f.y).scalars
        let expected = try f.file.tensor("input_gradient").scalars
        let scale = expected.map(abs).max()!
        for (a, b) in zip(g, expected) { #expect(abs(a - b) <= 1e-5 * scale, "\(a) vs \(b)") }
        // The same inside evaluation code that turned gradients off (attacks during validation).
        #expect(withoutGradients { InputGradient.crossEntropy(f.model, inputs: f.x, labels: f.y) }.scalars == g)
        // Central differences of the mean loss in Double on a few coordinates.
        func loss(_ values: [Float]) -> Double {
            withoutGradients { Double(crossEntropy(f.model(Tensor(shape: f.x.shape, scalars: values)), f.y).item()) }
        }
        let base = f.x.scalars
        for i in [0, 17, 500, 1023] {
            var plus = base, minus = base
            plus[i] += 1e-2; minus[i] -= 1e-2
            let numeric = (loss(plus) - loss(minus)) / 2e-2
            #expect(abs(numeric - Double(g[i])) <= 2e-3 * Double(scale) + 1e-4, "coordinate \(i): \(numeric) vs \(g[i])")
        }
    }

    @Test func attacksMatchPyTorch() throws {
        let f = try Fixture()
        let cases: [(String, AdversarialAttack, Float)] = [
            ("fgsm_linf_0.1", .fgsm(epsilon: 0.1), 0.99), ("fgsm_l2_0.5", .fgsm(epsilon: 0.5, norm: .l2), 1),
            ("pgd_linf_0.1", .pgd(epsilon: 0.1, steps: 10, randomStart: false), 0.99),
            ("pgd_l2_0.5", .pgd(epsilon: 0.5, norm: .l2, steps: 10, randomStart: false), 1),
        ]
        for (name, attack, share) in cases {
            let ours = attack.perturb(f.model, inputs: f.x, labels: f.y, generator: RandomGenerator(seed: 0)).scalars
            let reference = try f.file.tensor(name).scalars
            let tolerance: Float = attack.norm == .linf ? 1e-5 : 1e-4
            let agreeing = zip(ours, reference).filter { abs($0 - $1) <= tolerance }.count
            #expect(Float(agreeing) >= share * Float(ours.count), "\(name): \(agreeing) of \(ours.count) values agree")
        }
    }

    @Test func attacksStayInTheBallAndTheRange() throws {
        let f = try Fixture()
        let n = f.x.shape[0], width = f.x.count / n
        let clean = f.x.scalars
        for norm in AttackNorm.allCases {
            for attack in [AdversarialAttack.fgsm(epsilon: 0.2, norm: norm), .fgsm(epsilon: 0.2, norm: norm, randomStart: true),
                           .pgd(epsilon: 0.2, norm: norm, steps: 15), .pgd(epsilon: 0.2, norm: norm, steps: 5, stepSize: 0.3, randomStart: false)] {
                let adversarial = attack.perturb(f.model, inputs: f.x, labels: f.y, generator: RandomGenerator(seed: 4)).scalars
                #expect(adversarial.allSatisfy { (0...1).contains($0) }, "\(attack.summary): left [0, 1]")
                for e in 0..<n {
                    let deltas = (0..<width).map { adversarial[e * width + $0] - clean[e * width + $0] }
                    let size = norm == .linf ? deltas.map(abs).max()! : deltas.reduce(0) { $0 + $1 * $1 }.squareRoot()
                    #expect(size <= attack.epsilon * (1 + 1e-5), "\(attack.summary): example \(e) moved \(size)")
                }
            }
        }
        // ε = 0 changes nothing.
        #expect(AdversarialAttack.pgd(epsilon: 0).perturb(f.model, inputs: f.x, labels: f.y, generator: RandomGenerator(seed: 0)).scalars == clean)
    }

    @Test func pgdReproducesWithItsSeedAndLeavesParameterGradientsAlone() throws {
        let f = try Fixture()
        let pgd = AdversarialAttack.pgd(epsilon: 0.1, steps: 5)
        let a = pgd.perturb(f.model, inputs: f.x, labels: f.y, generator: RandomGenerator(seed: 7)).scalars
        let b = pgd.perturb(f.model, inputs: f.x, labels: f.y, generator: RandomGenerator(seed: 7)).scalars
        let c = pgd.perturb(f.model, inputs: f.x, labels: f.y, generator: RandomGenerator(seed: 8)).scalars
        #expect(a == b && a != c)
        // Gradients of a training step in progress survive an attack.
        let parameters = f.model.parameters()
        crossEntropy(f.model(f.x), f.y).backward()
        let before = parameters.map { $0.value.grad!.scalars }
        _ = pgd.perturb(f.model, inputs: f.x, labels: f.y, generator: RandomGenerator(seed: 7))
        #expect(parameters.map { $0.value.grad!.scalars } == before)
        for p in parameters { p.value.zeroGrad() }
        _ = pgd.perturb(f.model, inputs: f.x, labels: f.y, generator: RandomGenerator(seed: 7))
        #expect(parameters.allSatisfy { $0.value.grad == nil })
    }

    @Test func pgdIsAtLeastAsStrongAsFGSM() throws {
        let model = try Self.trained(adversarial: nil)
        let test = Self.blobs(count: 300, seed: 9)
        let radii: [Float] = [0.03, 0.06, 0.1]
        let fgsm = try RobustnessEvaluation.evaluate(model, features: test.features, labels: test.labels, attack: .fgsm(epsilon: 1),
                                                     epsilons: radii, batchSize: 100)
        let pgd = try RobustnessEvaluation.evaluate(model, features: test.features, labels: test.labels,
                                                    attack: .pgd(epsilon: 1, steps: 20), epsilons: radii, batchSize: 100)
        #expect(fgsm.cleanAccuracy > 0.95 && fgsm.cleanAccuracy == pgd.cleanAccuracy)
        for (a, b) in zip(fgsm.results, pgd.results) {
            #expect(b.accuracy <= a.accuracy, "ε \(a.epsilon): PGD \(b.accuracy) vs FGSM \(a.accuracy)")
            #expect(a.maxPerturbation <= Double(a.epsilon) * (1 + 1e-5) && b.maxPerturbation <= Double(b.epsilon) * (1 + 1e-5))
        }
        #expect(pgd.results.last!.accuracy < 0.5, "the normally trained model breaks at ε 0.1: \(pgd.results)")
        // The same run reproduces exactly.
        let again = try RobustnessEvaluation.evaluate(model, features: test.features, labels: test.labels,
                                                      attack: .pgd(epsilon: 1, steps: 20), epsilons: radii, batchSize: 100)
        #expect(again.results == pgd.results)
        #expect(throws: RobustnessError.self) {
            try RobustnessEvaluation.evaluate(model, features: test.features, labels: test.labels, attack: .fgsm(epsilon: 1), epsilons: [-0.1])
        }
    }

    @Test func adversarialTrainingBuysRobustness() throws {
        let normal = try Self.trained(adversarial: nil)
        let robust = try Self.trained(adversarial: AdversarialTraining(attack: .pgd(epsilon: 0.1, steps: 5), mixing: 0.5, seed: 1))
        let test = Self.blobs(count: 300, seed: 9)
        let attack = AdversarialAttack.pgd(epsilon: 1, steps: 20)
        let a = try RobustnessEvaluation.evaluate(normal, features: test.features, labels: test.labels, attack: attack, epsilons: [0.1])
        let b = try RobustnessEvaluation.evaluate(robust, features: test.features, labels: test.labels, attack: attack, epsilons: [0.1])
        #expect(b.cleanAccuracy > 0.9, "\(b.cleanAccuracy)")
        #expect(b.results[0].accuracy > a.results[0].accuracy + 0.2, "adversarial \(b.results[0].accuracy) vs normal \(a.results[0].accuracy)")
        #expect(throws: RobustnessError.self) { try AdversarialTraining(attack: .fgsm(epsilon: 0.1), mixing: 1.5).validate() }
    }
}
