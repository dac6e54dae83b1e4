import SynapseCore
import SynapseData
import SynapseEval
import SynapseNN

/// How adversarial training mixes clean and attacked examples (Goodfellow et al. 2015; Madry et al.
/// 2018; Wong et al. 2020).
public struct AdversarialTraining: Sendable {
    /// The attack that makes each batch's adversarial examples (PGD, or FGSM with a random start).
    public var attack: AdversarialAttack
    /// The weight of the adversarial loss: loss = (1 − m)·CE(clean) + m·CE(adversarial). 1 trains on
    /// adversarial examples only (Madry et al.), 0.5 is Goodfellow et al.'s mix.
    public var mixing: Float
    /// The seed of the attacks' random starts.
    public var seed: UInt64

    /// A recipe with `attack`, `mixing` in [0, 1] and `seed`.
    public init(attack: AdversarialAttack, mixing: Float = 0.5, seed: UInt64 = 0) {
        self.attack = attack
        self.mixing = mixing
        self.seed = seed
    }

    /// Checks the attack and the mixing ratio.
    /// - Throws: `RobustnessError.invalidAttack`.
    public func validate() throws(RobustnessError) {
        try attack.validate()
        guard (0...1).contains(mixing) else { throw .invalidAttack("the mixing ratio must be in [0, 1], got \(mixing)") }
    }

    /// A description for logs and metadata ("PGD L∞, ε = 0.1, … , mixing 0.5").
    public var summary: String { "\(attack.summary), mixing \(String(format: "%g", mixing))" }
}

extension TrainingObjective where Batch == TensorDataset.Batch {
    /// Adversarial training of a classifier through `Trainer`: every batch is attacked against the
    /// current model (`recipe.attack`, parameter gradients untouched), and the loss mixes the clean
    /// and adversarial cross-entropies by `recipe.mixing`. Predictions (for the training metrics) are
    /// the clean logits. Evaluation passes (validation, with gradients off) use the clean loss. The
    /// random starts come from one generator seeded with `recipe.seed`.
    public static func adversarialClassification(_ model: some Layer, recipe: AdversarialTraining,
                                                 labelSmoothing: Float = 0) -> TrainingObjective {
        let generator = RandomGenerator(seed: recipe.seed)
        let m = recipe.mixing
        return TrainingObjective(forward: { batch in
            let logits = model(batch.features)
            let clean = crossEntropy(logits, batch.labels, labelSmoothing: labelSmoothing)
            // Evaluation passes (gradients off) report the clean loss, as PyTorch recipes do.
            guard m > 0, GradMode.isEnabled else { return (logits, clean) }
            let adversarial = recipe.attack.perturb(model, inputs: batch.features, labels: batch.labels, generator: generator)
            let attacked = crossEntropy(model(adversarial), batch.labels, labelSmoothing: labelSmoothing)
            return (logits, m == 1 ? attacked : clean * (1 - m) + attacked * m)
        }, targets: { $0.labels.asFloat })
    }
}
