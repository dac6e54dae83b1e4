import Foundation
import SynapseCore
import SynapseNN

/// The norm that bounds an adversarial perturbation δ = x′ − x.
public enum AttackNorm: String, Sendable, Codable, CaseIterable {
    /// ‖δ‖∞ ≤ ε: every input value moves by at most ε (steps follow the gradient's sign).
    case linf
    /// ‖δ‖₂ ≤ ε per example: the whole perturbation has length at most ε (steps follow the
    /// normalised gradient).
    case l2
}

/// An evasion attack on a differentiable classifier: Fast Gradient Sign Method (Goodfellow et al.
/// 2015; the fast gradient method under L2) or Projected Gradient Descent (Madry et al. 2018), each
/// raising the cross-entropy of the true labels within an ε-ball around the input and within the
/// valid input range — the semantics of the Adversarial Robustness Toolbox's `FastGradientMethod`
/// and `ProjectedGradientDescent` and of Foolbox's `FGSM`/`LinfPGD`/`L2PGD`.
///
/// ```swift
/// let pgd = AdversarialAttack.pgd(epsilon: 0.1, norm: .linf, steps: 10)
/// let adversarial = pgd.perturb(model, inputs: images, labels: labels, generator: RandomGenerator(seed: 0))
/// ```
public struct AdversarialAttack: Sendable, Equatable {
    /// The two attacks.
    public enum Method: String, Sendable, Codable, CaseIterable {
        /// One step of size ε along the gradient's sign (L∞) or normalised gradient (L2).
        case fgsm
        /// `steps` steps of `stepSize`, each projected back onto the ε-ball and the input range.
        case pgd
    }

    /// FGSM or PGD.
    public var method: Method
    /// The ball's norm.
    public var norm: AttackNorm
    /// The ball's radius, in input units (pixels in [0, 1] for the built-in image datasets).
    public var epsilon: Float
    /// PGD's steps (1 for FGSM).
    public var steps: Int
    /// PGD's step size (FGSM steps by ε).
    public var stepSize: Float
    /// Start from a uniformly random point of the ball (PGD's default; FGSM with it is the "fast
    /// adversarial training" attack of Wong et al. 2020, which then steps by `stepSize`).
    public var randomStart: Bool
    /// The valid input range every adversarial input is clipped to.
    public var inputRange: ClosedRange<Float>

    /// FGSM: one step of ε (or of `stepSize` after a random start).
    public static func fgsm(epsilon: Float, norm: AttackNorm = .linf, randomStart: Bool = false, stepSize: Float? = nil,
                            inputRange: ClosedRange<Float> = 0...1) -> AdversarialAttack {
        AdversarialAttack(method: .fgsm, norm: norm, epsilon: epsilon, steps: 1, stepSize: stepSize ?? (randomStart ? 1.25 * epsilon : epsilon),
                          randomStart: randomStart, inputRange: inputRange)
    }

    /// PGD with `steps` steps of `stepSize` (default 2.5 ε / steps, Madry et al.'s rule, so that the
    /// steps can cross the ball and back) from a random start by default.
    public static func pgd(epsilon: Float, norm: AttackNorm = .linf, steps: Int = 10, stepSize: Float? = nil, randomStart: Bool = true,
                           inputRange: ClosedRange<Float> = 0...1) -> AdversarialAttack {
        AdversarialAttack(method: .pgd, norm: norm, epsilon: epsilon, steps: steps, stepSize: stepSize ?? 2.5 * epsilon / Float(max(steps, 1)),
                          randomStart: randomStart, inputRange: inputRange)
    }

    /// An attack with every setting given.
    public init(method: Method, norm: AttackNorm, epsilon: Float, steps: Int, stepSize: Float, randomStart: Bool,
                inputRange: ClosedRange<Float> = 0...1) {
        self.method = method
        self.norm = norm
        self.epsilon = epsilon
        self.steps = method == .fgsm ? 1 : steps
        self.stepSize = stepSize
        self.randomStart = randomStart
        self.inputRange = inputRange
    }

    /// The same attack with radius `epsilon` (and PGD's default step size for it when the step size
    /// was the default for the old radius).
    public func with(epsilon newEpsilon: Float) -> AdversarialAttack {
        var copy = self
        if epsilon > 0 { copy.stepSize = stepSize * newEpsilon / epsilon }
        copy.epsilon = newEpsilon
        return copy
    }

    /// A description for reports ("PGD L∞, ε = 0.1, 10 steps of 0.025, random start").
    public var summary: String {
        let n = norm == .linf ? "L∞" : "L2"
        let e = String(format: "%g", epsilon), step = String(format: "%g", stepSize)
        switch method {
        case .fgsm: return "FGSM \(n), ε = \(e)" + (randomStart ? ", random start, step \(step)" : "")
        case .pgd: return "PGD \(n), ε = \(e), \(steps) steps of \(step)" + (randomStart ? ", random start" : "")
        }
    }

    /// The attack without its radius ("PGD L∞, 10 steps of 2.5 ε / 10, random start"), for runs over several radii.
    public var methodSummary: String {
        let n = norm == .linf ? "L∞" : "L2"
        let relative = epsilon > 0 ? String(format: "%g", stepSize / epsilon) : "?"
        switch method {
        case .fgsm: return "FGSM \(n)" + (randomStart ? ", random start, step \(relative) ε" : "")
        case .pgd: return "PGD \(n), \(steps) steps of \(relative) ε" + (randomStart ? ", random start" : "")
        }
    }

    /// Checks the settings.
    /// - Throws: `RobustnessError.invalidAttack` for a negative or non-finite ε or step size, PGD
    ///   without steps, or an empty input range.
    public func validate() throws(RobustnessError) {
        guard epsilon >= 0, epsilon.isFinite else { throw .invalidAttack("ε must be finite and non-negative, got \(epsilon)") }
        guard stepSize >= 0, stepSize.isFinite else { throw .invalidAttack("the step size must be finite and non-negative, got \(stepSize)") }
        guard (1...10_000).contains(steps) else { throw .invalidAttack("PGD needs 1 to 10000 steps, got \(steps)") }
        guard inputRange.lowerBound < inputRange.upperBound, inputRange.lowerBound.isFinite, inputRange.upperBound.isFinite else {
            throw .invalidAttack("the input range must be finite and non-empty, got \(inputRange)")
        }
    }

    /// Adversarial versions of `inputs` [N, ...] (values in `inputRange`) that raise the
    /// cross-entropy of `model`'s logits [N, C] for `labels` [N]; a tensor without gradients. The
    /// model's parameter gradients are left as they were, so an attack can run inside a training step.
    /// `generator` draws the random start (nothing is drawn without one).
    public func perturb(_ model: any Layer, inputs: Tensor, labels: IntTensor, generator: RandomGenerator) -> Tensor {
        require(inputs.shape.first == labels.count, "AdversarialAttack.perturb: \(inputs.shape) inputs for \(labels.count) labels")
        let original = inputs.detached().contiguous().scalars
        let n = max(inputs.shape.first ?? 1, 1), width = original.count / n
        let (lo, hi) = (inputRange.lowerBound, inputRange.upperBound)
        if epsilon == 0 { return inputs.detached() }
        var x = original
        if randomStart { x = randomPoint(around: original, width: width, generator: generator) }
        let step = method == .fgsm && !randomStart ? epsilon : stepSize
        for _ in 0..<steps {
            let g = InputGradient.crossEntropy(model, inputs: Tensor(shape: inputs.shape, scalars: x), labels: labels).scalars
            for e in 0..<n {
                let range = (e * width)..<((e + 1) * width)
                switch norm {
                case .linf:
                    for i in range { x[i] += step * (g[i] > 0 ? 1 : (g[i] < 0 ? -1 : 0)) }
                case .l2:
                    var squared: Float = 0
                    for i in range { squared += g[i] * g[i] }
                    let length = squared.squareRoot()
                    guard length > 0, length.isFinite else { continue }
                    for i in range { x[i] += step * g[i] / length }
                }
            }
            project(&x, onto: original, width: width)
            for i in x.indices { x[i] = min(max(x[i], lo), hi) }
        }
        return Tensor(shape: inputs.shape, scalars: x)
    }

    /// A uniformly random point of the ε-ball around each example, clipped to the input range.
    private func randomPoint(around original: [Float], width: Int, generator: RandomGenerator) -> [Float] {
        var x = original
        switch norm {
        case .linf:
            for i in x.indices { x[i] += epsilon * (2 * generator.nextUniform() - 1) }
        case .l2:
            // A Gaussian direction, and a radius ε·u^(1/d): uniform in the ball's volume.
            for e in 0..<(original.count / max(width, 1)) {
                let range = (e * width)..<((e + 1) * width)
                var direction = range.map { _ in generator.nextNormal() }
                let length = direction.reduce(0) { $0 + $1 * $1 }.squareRoot()
                let radius = epsilon * Float(Foundation.pow(Double(generator.nextUniform()), 1 / Double(width)))
                if length > 0 { for k in direction.indices { direction[k] *= radius / length } }
                for (k, i) in range.enumerated() { x[i] += direction[k] }
            }
        }
        for i in x.indices { x[i] = min(max(x[i], inputRange.lowerBound), inputRange.upperBound) }
        return x
    }

    /// Moves every example of `x` back into the ε-ball around `original`. Clipping to the input
    /// range afterwards keeps it there: it moves each value towards the original one, which is in range.
    private func project(_ x: inout [Float], onto original: [Float], width: Int) {
        switch norm {
        case .linf:
            for i in x.indices { x[i] = min(max(x[i], original[i] - epsilon), original[i] + epsilon) }
        case .l2:
            for e in 0..<(original.count / max(width, 1)) {
                let range = (e * width)..<((e + 1) * width)
                var squared: Float = 0
                for i in range { let d = x[i] - original[i]; squared += d * d }
                let length = squared.squareRoot()
                guard length > epsilon else { continue }
                // A hair inside the ball, so Float rounding never lands outside it.
                let scale = epsilon / length * (1 - 1e-6)
                for i in range { x[i] = original[i] + (x[i] - original[i]) * scale }
            }
        }
    }
}
