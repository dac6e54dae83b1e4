import SynapseCore
import SynapseData
import SynapseModels
import SynapseNN
import SynapseTraining

extension TrainingObjective where Batch == TensorDataset.Batch {
    /// DDPM's simplified objective (Ho et al. 2020, eq. 14) on image batches with pixels in [0, 1]:
    /// scale to [−1, 1], draw a timestep per image uniformly from the schedule and Gaussian noise,
    /// noise the images, and regress the model's output onto the noise (or the velocity) with mean
    /// squared error. In training, each label becomes the null class with probability `classDrop`
    /// so the model also learns the unconditional prediction that classifier-free guidance needs.
    /// Predictions are the per-image losses [N, 1].
    static func denoising(_ model: UNet2D, schedule: DiffusionSchedule, prediction: DiffusionPrediction, classDrop: Double,
                          noise: DiffusionNoise) -> TrainingObjective {
        TrainingObjective(forward: { batch in
            let g = model.isTraining ? noise.training : noise.validation
            let x0 = batch.features * 2 - 1
            let n = x0.shape[0]
            let timesteps = (0..<n).map { _ in g.nextInt(below: schedule.trainingSteps) }
            let epsilon = Tensor.randn(x0.shape, generator: g)
            var labels = batch.labels.scalars
            if let null = model.nullClass, model.isTraining {
                for i in labels.indices where g.nextUniformDouble() < classDrop { labels[i] = null }
            }
            let noisy = schedule.addNoise(x0, noise: epsilon, timesteps: timesteps)
            let target = schedule.target(prediction, x0: x0, noise: epsilon, timesteps: timesteps)
            let output = model(noisy, timesteps: timesteps, classLabels: model.nullClass == nil ? nil : labels)
            let difference = output - target
            let perImage = (difference * difference).mean(dims: [1, 2, 3])
            return (perImage.detached().reshaped([n, 1]), perImage.mean())
        }, targets: { $0.labels.asFloat })
    }
}
