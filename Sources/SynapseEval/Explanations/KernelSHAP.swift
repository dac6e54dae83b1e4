import Foundation
import SynapseCore
import SynapseNN

/// KernelSHAP (Lundberg and Lee 2017): Shapley values of a model's target logit, where a feature
/// "absent" from a coalition takes the values of background examples (the interventional value
/// v(S) = mean over the background of f(x on S, background elsewhere), as SHAP's KernelExplainer).
///
/// The values solve the Shapley-kernel-weighted least squares over coalitions with the efficiency
/// constraint Σφ = f(x) − v(∅). With few features (2^M − 2 ≤ `exactLimit`) every coalition is
/// enumerated and the result is the exact Shapley value; otherwise `samples` coalitions are drawn
/// from the kernel's distribution (sizes ∝ (M − 1)/(s(M − s)), each with its complement, as in
/// Covert and Lee 2021) with a fixed seed, which is what Captum's `KernelShap` estimates.
public struct KernelSHAP: AttributionMethod {
    /// Background examples [B, ...] standing in for absent features (a sample of training data).
    public var background: Tensor
    /// Group id (0..<M) of every value of one example, or nil for one feature per value.
    /// Images use patches (superpixels), as Captum's `feature_mask`.
    public var featureGroups: [Int]?
    /// Coalitions sampled when they are not enumerated.
    public var samples: Int
    /// The most coalitions enumerated exactly.
    public var exactLimit: Int
    /// Seed of the coalition sample.
    public var seed: UInt64

    /// KernelSHAP against `background`, one feature per value unless `featureGroups` groups them.
    public init(background: Tensor, featureGroups: [Int]? = nil, samples: Int = 2048, exactLimit: Int = 4094, seed: UInt64 = 0) {
        self.background = background
        self.featureGroups = featureGroups
        self.samples = samples
        self.exactLimit = exactLimit
        self.seed = seed
    }

    /// `kernel_shap`.
    public var name: String { "kernel_shap" }

    /// The most features (or groups) explained at once.
    public static let maxFeatures = 4096
    /// The largest `exactLimit` (2^20 coalitions: 20 features).
    public static let maxExactCoalitions = 1 << 20

    /// Shapley values per feature (every value of a group gets the group's), with v(∅) as the
    /// baseline output and the efficiency residual as the convergence delta.
    public func attribute(_ model: any Layer, inputs: Tensor, targets: [Int]) throws(ExplanationError) -> Attribution {
        try TargetOutputs.validate(model, inputs: inputs, targets: targets)
        let dims = Array(inputs.shape.dropFirst()), size = dims.reduce(1, *)
        guard background.rank >= 1, Array(background.shape.dropFirst()) == dims, background.shape[0] >= 1 else {
            throw .invalidData("background \(background.shape) must hold examples shaped like the inputs' \(dims)")
        }
        guard background.shape[0] <= 10_000 else { throw .invalidData("background of \(background.shape[0]) examples; use at most 10000") }
        guard samples >= 2, samples <= 1_000_000 else { throw .invalidSettings("KernelSHAP samples must be 2 to 1000000, got \(samples)") }
        let groups = featureGroups ?? Array(0..<size)
        guard groups.count == size else { throw .invalidSettings("\(groups.count) feature groups for examples of \(size) values") }
        let m = (groups.max() ?? -1) + 1
        guard groups.allSatisfy({ $0 >= 0 }), m >= 1, Set(groups).count == m else {
            throw .invalidSettings("feature groups must number 0..<M with every group used")
        }
        // The normal equations are (M − 1)²: beyond a few thousand features group them (patches).
        guard m <= Self.maxFeatures else {
            throw .invalidSettings("\(m) features; KernelSHAP takes at most \(Self.maxFeatures): group them with featureGroups (image patches)")
        }
        guard exactLimit <= Self.maxExactCoalitions else {
            throw .invalidSettings("exactLimit \(exactLimit) would enumerate too many coalitions; at most \(Self.maxExactCoalitions)")
        }
        var members = [[Int]](repeating: [], count: m)
        for (i, g) in groups.enumerated() { members[g].append(i) }
        let coalitions = drawCoalitions(features: m)
        let x = inputs.contiguous().scalars, bg = background.contiguous().scalars, b = background.shape[0]
        var values: [Float] = [], outputs: [Double] = [], baseOutputs: [Double] = [], deltas: [Double] = []
        for e in 0..<inputs.shape[0] {
            let example = Array(x[(e * size)..<((e + 1) * size)])
            // v(S) for every coalition, then v(∅) and v(full).
            let all = coalitions.masks + [[Bool](repeating: false, count: m), [Bool](repeating: true, count: m)]
            let v = value(model, example: example, background: bg, count: b, dims: dims, target: targets[e], coalitions: all, members: members)
            let empty = v[v.count - 2], full = v[v.count - 1]
            let phi = solve(masks: coalitions.masks, weights: coalitions.weights, values: Array(v.prefix(coalitions.masks.count)),
                            empty: empty, full: full, features: m)
            values += groups.map { Float(phi[$0]) }
            outputs.append(full)
            baseOutputs.append(empty)
            deltas.append(phi.reduce(0, +) - (full - empty))
        }
        return Attribution(values: Tensor(shape: inputs.shape, scalars: values), method: name, targets: targets, outputs: outputs,
                           baselineOutputs: baseOutputs, convergenceDelta: deltas, steps: coalitions.masks.count)
    }

    /// Whether `features` features are enumerated exactly rather than sampled.
    func isExact(features m: Int) -> Bool { m < 62 && (1 << m) - 2 <= exactLimit }

    /// The coalitions (neither empty nor full) and their regression weights.
    func drawCoalitions(features m: Int) -> (masks: [[Bool]], weights: [Double]) {
        guard m >= 2 else { return ([], []) }
        if isExact(features: m) {
            var masks: [[Bool]] = [], weights: [Double] = []
            for bits in 1..<((1 << m) - 1) {
                let mask = (0..<m).map { bits >> $0 & 1 == 1 }
                let s = mask.filter { $0 }.count
                masks.append(mask)
                weights.append(Double(m - 1) / (Self.binomial(m, s) * Double(s) * Double(m - s)))
            }
            return (masks, weights)
        }
        // Sizes drawn ∝ the kernel's total weight per size; each draw also enters as its complement.
        let sizeWeights = (1..<m).map { Double(m - 1) / (Double($0) * Double(m - $0)) }
        let total = sizeWeights.reduce(0, +)
        let generator = RandomGenerator(seed: seed)
        var masks: [[Bool]] = []
        while masks.count < samples {
            var u = generator.nextUniformDouble() * total, s = 1
            for (k, w) in sizeWeights.enumerated() { if u < w { s = k + 1; break }; u -= w; s = k + 1 }
            var order = Array(0..<m)
            for i in 0..<s { order.swapAt(i, i + generator.nextInt(below: m - i)) }
            var mask = [Bool](repeating: false, count: m)
            for i in order.prefix(s) { mask[i] = true }
            masks.append(mask)
            masks.append(mask.map { !$0 })
        }
        return (masks, Array(repeating: 1, count: masks.count))
    }

    /// v(S) for each coalition: the mean target logit over the background with the coalition's
    /// features taken from the example.
    private func value(_ model: any Layer, example: [Float], background: [Float], count b: Int, dims: [Int], target: Int,
                       coalitions: [[Bool]], members: [[Int]]) -> [Double] {
        let size = example.count
        let perPass = max(1, 1024 / b)
        var out: [Double] = []
        out.reserveCapacity(coalitions.count)
        var start = 0
        while start < coalitions.count {
            let end = min(start + perPass, coalitions.count)
            var batch: [Float] = []
            batch.reserveCapacity((end - start) * b * size)
            for c in start..<end {
                for r in 0..<b {
                    var row = Array(background[(r * size)..<((r + 1) * size)])
                    for (g, present) in coalitions[c].enumerated() where present { for i in members[g] { row[i] = example[i] } }
                    batch += row
                }
            }
            let rows = (end - start) * b
            let logits = TargetOutputs.logits(model, inputs: Tensor(shape: [rows] + dims, scalars: batch),
                                              targets: Array(repeating: target, count: rows))
            for c in 0..<(end - start) { out.append(logits[(c * b)..<((c + 1) * b)].reduce(0, +) / Double(b)) }
            start = end
        }
        return out
    }

    /// The constrained weighted least squares: φ_M = Δ − Σ_{i<M} φ_i substituted, then the normal
    /// equations solved by Cholesky (with a tiny ridge so sampled designs that miss a direction
    /// stay solvable).
    func solve(masks: [[Bool]], weights: [Double], values: [Double], empty: Double, full: Double, features m: Int) -> [Double] {
        let delta = full - empty
        guard m >= 2 else { return [delta] }
        let k = m - 1
        var ata = [Double](repeating: 0, count: k * k), aty = [Double](repeating: 0, count: k)
        for (mask, (w, v)) in zip(masks, zip(weights, values)) {
            let last = mask[m - 1] ? 1.0 : 0.0
            let row = (0..<k).map { (mask[$0] ? 1.0 : 0.0) - last }
            let y = v - empty - last * delta
            for i in 0..<k where row[i] != 0 {
                aty[i] += w * row[i] * y
                for j in 0..<k where row[j] != 0 { ata[i * k + j] += w * row[i] * row[j] }
            }
        }
        let trace = (0..<k).map { ata[$0 * k + $0] }.reduce(0, +)
        var ridge = max(trace / Double(k), 1e-300) * 1e-12
        var factor = CholeskyFactor(symmetric: ata, size: k)
        while factor == nil && ridge < 1e6 {
            var damped = ata
            for i in 0..<k { damped[i * k + i] += ridge }
            factor = CholeskyFactor(symmetric: damped, size: k)
            ridge *= 100
        }
        guard let factor else { return [Double](repeating: delta / Double(m), count: m) }
        var phi = factor.solve(aty)
        phi.append(delta - phi.reduce(0, +))
        return phi
    }

    private static func binomial(_ n: Int, _ k: Int) -> Double {
        var r = 1.0
        for i in 0..<k { r = r * Double(n - i) / Double(i + 1) }
        return r
    }
}
