import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseJobs
@testable import SynapseModels
@testable import SynapseTraining

/// Classifier-free guidance and generation with a small random `UNet2D`, the denoising objective,
/// and the sample grid.
@Suite struct GuidedGenerationTests {
    static func tinyModel(classes: Int? = 3) -> UNet2D {
        var c = UNet2DConfiguration()
        c.blockChannels = [8, 16]
        c.attention = [false, true]
        c.normGroups = 4
        c.attentionHeadDimension = 8
        c.classes = classes
        let model = UNet2D(c, generator: RandomGenerator(seed: 11))
        model.eval()
        return model
    }

    @Test func guidanceCombinesTheConditionalAndNullPredictions() {
        let model = Self.tinyModel()
        let x = Tensor.randn([2, 1, 8, 8], generator: RandomGenerator(seed: 1))
        withoutGradients {
            let conditional = model(x, timesteps: [40, 40], classLabels: [0, 2])
            let unconditional = model(x, timesteps: [40, 40], classLabels: [3, 3])
            expectClose(model.guidedPrediction(x, timestep: 40, classLabels: [0, 2], guidanceScale: 1), conditional,
                        rtol: 1e-6, atol: 1e-6, "scale 1")
            expectClose(model.guidedPrediction(x, timestep: 40, classLabels: [0, 2], guidanceScale: 3),
                        unconditional + (conditional - unconditional) * 3, rtol: 1e-4, atol: 1e-5, "scale 3")
            expectClose(model.guidedPrediction(x, timestep: 40, classLabels: [0, 2], guidanceScale: 0), unconditional,
                        rtol: 1e-4, atol: 1e-5, "scale 0")
            // Labels absent: the null class.
            expectClose(model(x, timesteps: [40, 40]), unconditional, rtol: 0, atol: 0, "nil labels")
        }
    }

    @Test func generationIsSeededAndBounded() {
        let model = Self.tinyModel()
        let sampler = DDIMSampler(schedule: DiffusionSchedule(trainingSteps: 100), inferenceSteps: 4)
        func images(_ seed: UInt64) -> Tensor {
            model.generate(classLabels: [0, 1, 2], count: 3, imageShape: [1, 8, 8], sampler: sampler, guidanceScale: 2,
                           chunkSize: 2, generator: RandomGenerator(seed: seed))
        }
        let a = images(1), b = images(1), c = images(2)
        #expect(a.shape == [3, 1, 8, 8] && a.scalars == b.scalars && a.scalars != c.scalars)
        #expect(a.scalars.allSatisfy { $0 >= -1 && $0 <= 1 && $0.isFinite })
        #expect(model.isTraining == false)
        let unconditional = Self.tinyModel(classes: nil).generate(classLabels: nil, count: 2, imageShape: [1, 8, 8], sampler: sampler,
                                                                  generator: RandomGenerator(seed: 1))
        #expect(unconditional.shape == [2, 1, 8, 8])
    }

    /// With a drop probability of 1, training conditions every image on the null class and
    /// evaluation on the true labels: the objective's loss equals the loss recomputed by hand from
    /// the same draws (timesteps, then noise) with those labels.
    @Test func denoisingObjectiveMatchesItsDefinition() {
        let model = Self.tinyModel()
        let schedule = DiffusionSchedule(trainingSteps: 100)
        let batch = TensorDataset(features: Tensor.rand([4, 1, 8, 8], generator: RandomGenerator(seed: 2)), labels: IntTensor([0, 1, 2, 0]))
            .batch([0, 1, 2, 3])
        for training in [true, false] {
            model.train(training)
            let objective = TrainingObjective<TensorDataset.Batch>.denoising(model, schedule: schedule, prediction: .epsilon,
                                                                               classDrop: 1, noise: DiffusionNoise(seed: 5))
            let loss = objective.forward(batch).loss
            let reference = DiffusionNoise(seed: 5)
            let g = training ? reference.training : reference.validation
            let x0 = batch.features * 2 - 1
            let t = (0..<4).map { _ in g.nextInt(below: 100) }
            let epsilon = Tensor.randn(x0.shape, generator: g)
            let output = model(schedule.addNoise(x0, noise: epsilon, timesteps: t), timesteps: t,
                               classLabels: training ? [3, 3, 3, 3] : [0, 1, 2, 0])
            let expected = ((output - epsilon) * (output - epsilon)).mean()
            expectClose(loss.detached().reshaped([1]), expected.detached().reshaped([1]), rtol: 1e-5, atol: 1e-7,
                        training ? "training: null labels" : "evaluation: true labels")
        }
    }

    @Test func denoisingObjectiveDropsLabelsOnlyInTraining() throws {
        let model = Self.tinyModel()
        model.train()
        let schedule = DiffusionSchedule(trainingSteps: 100)
        let noise = DiffusionNoise(seed: 0)
        let objective = TrainingObjective<TensorDataset.Batch>.denoising(model, schedule: schedule, prediction: .epsilon,
                                                                           classDrop: 0.5, noise: noise)
        let batch = TensorDataset(features: Tensor.rand([4, 1, 8, 8], generator: RandomGenerator(seed: 2)), labels: IntTensor([0, 1, 2, 0]))
            .batch([0, 1, 2, 3])
        let (perImage, loss) = objective.forward(batch)
        #expect(perImage.shape == [4, 1] && loss.requiresGrad && loss.item().isFinite)
        expectClose(perImage.mean().reshaped([1]), loss.detached().reshaped([1]), rtol: 1e-5, atol: 1e-6, "mean of the per-image losses")
        // Validation draws rewind every epoch: the same batch gives the same loss.
        model.eval()
        let context = TrainingContext(model: model, optimizer: SGD(model.parameters(), learningRate: 0.1))
        try noise.epochBegin(context)
        let first = objective.forward(batch).loss.item()
        try noise.epochBegin(context)
        #expect(objective.forward(batch).loss.item() == first)
    }

    @Test func sampleGridTilesImagesWithBorders() throws {
        let images = Tensor(shape: [3, 1, 2, 2], scalars: [-1, -1, -1, -1, 1, 1, 1, 1, 0, 0, 0, 0])
        let png = try SampleGrid(images: images, columns: 2).png()
        let decoded = try ImageDecoder.decode(png)
        #expect(decoded.width == 2 * 2 + 3 * 2 && decoded.height == 2 * 2 + 3 * 2 && decoded.channels == 1)
        let pixel = { (x: Int, y: Int) in decoded.samples[y * decoded.width + x] }
        #expect(pixel(2, 2) == 0 && pixel(6, 2) == 255 && pixel(2, 6) == 128 && pixel(0, 0) == 255)
        #expect(throws: ImageError.self) { try SampleGrid(images: Tensor.zeros([2, 2, 4, 4]), columns: 1).png() }
    }
}
