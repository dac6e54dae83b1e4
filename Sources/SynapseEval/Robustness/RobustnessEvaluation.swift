import Foundation
import SynapseCore
import SynapseNN

/// A classifier's accuracy on adversarial inputs at one radius.
public struct RobustAccuracy: Sendable, Equatable {
    /// The attack's radius.
    public let epsilon: Float
    /// The fraction of examples still classified correctly after the attack.
    public let accuracy: Double
    /// The fraction of the correctly classified clean examples the attack turned wrong.
    public let successRate: Double
    /// The mean size of the perturbations actually made, in the attack's norm.
    public let meanPerturbation: Double
    /// The largest perturbation made, in the attack's norm (never above ε).
    public let maxPerturbation: Double
}

/// Clean and robust accuracy of a classifier under one attack at several radii (the robustness
/// curve): what `synapse robustness` reports.
public struct RobustnessEvaluation: Sendable {
    /// Examples evaluated.
    public let count: Int
    /// Accuracy on the unperturbed examples.
    public let cleanAccuracy: Double
    /// The attack (its radius is that of each result).
    public let attack: AdversarialAttack
    /// One result per radius, in the order given.
    public let results: [RobustAccuracy]

    /// Attacks `features` [N, ...] with labels [N] at every radius of `epsilons` and measures the
    /// accuracy on the adversarial inputs. The model runs in evaluation mode; each batch's random
    /// start is drawn from a generator seeded with `seed` and the batch's position, so a run
    /// reproduces exactly and does not depend on the other radii.
    /// - Throws: `RobustnessError` for an invalid attack or radius, or empty or mismatched data.
    public static func evaluate(_ model: any Layer, features: Tensor, labels: IntTensor, attack: AdversarialAttack, epsilons: [Float],
                                batchSize: Int = 500, seed: UInt64 = 0) throws(RobustnessError) -> RobustnessEvaluation {
        let n = features.shape.first ?? 0
        guard n > 0, n == labels.count else { throw .invalidData("\(n) examples for \(labels.count) labels") }
        guard !epsilons.isEmpty else { throw .invalidAttack("no radius ε given") }
        guard batchSize > 0 else { throw .invalidData("the batch size must be positive, got \(batchSize)") }
        for e in epsilons { try attack.with(epsilon: e).validate() }
        model.eval()
        let y = labels.scalars
        func predictions(_ x: Tensor) -> [Int] {
            withoutGradients { model(x).argmax(dim: 1).scalars.map { Int($0) } }
        }
        var cleanCorrect = [Bool](repeating: false, count: n)
        var batches: [(start: Int, end: Int)] = []
        var start = 0
        while start < n { batches.append((start, min(start + batchSize, n))); start += batchSize }
        for b in batches {
            let p = predictions(features.slice(dim: 0, start: b.start, end: b.end))
            for (k, label) in p.enumerated() { cleanCorrect[b.start + k] = label == y[b.start + k] }
        }
        var results: [RobustAccuracy] = []
        for epsilon in epsilons {
            let a = attack.with(epsilon: epsilon)
            var robust = 0, flipped = 0
            var perturbationSum = 0.0, perturbationMax = 0.0
            for (index, b) in batches.enumerated() {
                let x = features.slice(dim: 0, start: b.start, end: b.end).contiguous()
                let batchLabels = IntTensor(shape: [b.end - b.start], scalars: Array(y[b.start..<b.end]))
                let generator = RandomGenerator(seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
                let adversarial = a.perturb(model, inputs: x, labels: batchLabels, generator: generator)
                let p = predictions(adversarial)
                let (clean, moved) = (x.scalars, adversarial.scalars)
                let width = clean.count / (b.end - b.start)
                for k in 0..<(b.end - b.start) {
                    let correct = p[k] == y[b.start + k]
                    if correct { robust += 1 } else if cleanCorrect[b.start + k] { flipped += 1 }
                    var size = 0.0
                    for i in (k * width)..<((k + 1) * width) {
                        let d = Double(moved[i] - clean[i])
                        size = a.norm == .linf ? max(size, abs(d)) : size + d * d
                    }
                    if a.norm == .l2 { size = size.squareRoot() }
                    perturbationSum += size
                    perturbationMax = max(perturbationMax, size)
                }
            }
            let cleanCount = cleanCorrect.filter { $0 }.count
            results.append(RobustAccuracy(epsilon: epsilon, accuracy: Double(robust) / Double(n),
                                          successRate: cleanCount == 0 ? 0 : Double(flipped) / Double(cleanCount),
                                          meanPerturbation: perturbationSum / Double(n), maxPerturbation: perturbationMax))
        }
        return RobustnessEvaluation(count: n, cleanAccuracy: Double(cleanCorrect.filter { $0 }.count) / Double(n), attack: attack,
                                    results: results)
    }
}
