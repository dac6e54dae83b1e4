import SynapseCore
import SynapseTraining

/// The randomness of the denoising objective: the training draws (timesteps, noise, label drops)
/// come from one seeded generator that checkpoints save and `--resume` restores; validation draws
/// from a second generator rewound at every epoch, so `val_loss` is measured on the same timesteps
/// and noise each time and epochs compare.
final class DiffusionNoise: TrainingCallback {
    /// Training draws.
    let training: RandomGenerator
    /// Validation draws, rewound to `validationSeed` at the start of every epoch.
    let validation: RandomGenerator
    private let validationSeed: UInt64

    init(seed: UInt64) {
        training = RandomGenerator(seed: seed &+ 0x5EED_D1FF)
        validationSeed = seed &+ 0xA11D_A7E
        validation = RandomGenerator(seed: validationSeed)
    }

    func epochBegin(_ context: TrainingContext) throws { validation.reseed(validationSeed) }
}
