import Foundation
import SynapseCore
import SynapseNN

/// A counterfactual: the input changed as little as found so that the model's decision flips.
public struct Counterfactual: Sendable {
    /// The input explained (model input units).
    public let original: [Float]
    /// The changed input (model input units), inside the allowed ranges.
    public let counterfactual: [Float]
    /// The class predicted for `original`.
    public let originalClass: Int
    /// The class predicted for `counterfactual`.
    public let newClass: Int
    /// Softmax probabilities for `original`.
    public let originalProbabilities: [Double]
    /// Softmax probabilities for `counterfactual`.
    public let newProbabilities: [Double]
    /// Indices of the features that changed.
    public let changed: [Int]
    /// Σ |change| / scale over the features: the distance minimised, in the features' scale units
    /// (training standard deviations for standardized inputs).
    public let distance: Double
}

/// Counterfactual search for tabular models (Wachter et al. 2017, with the sparsity and range
/// constraints of DiCE-style explainers): the smallest change, in L1 distance measured in each
/// feature's scale, to the mutable features that flips the decision, every value kept inside its
/// allowed range.
///
/// The search is steepest descent in the L1 geometry: at each step the decision margin's gradient
/// picks the one mutable feature (with room left in its range) that buys the most margin per unit of
/// scaled change, and moves it by the linear estimate of what flips the decision (at most `maxStep`
/// scale units). For a linear model that is the exact L1 optimum — the features with the largest
/// |weight|/scale, each used up to its range before the next. The flip found is then made sparse
/// (changes reverted one by one, smallest first, while the decision stays flipped) and pulled back
/// towards the input along its direction, by bisection, as far as the decision stays flipped.
public struct CounterfactualSearch: Sendable {
    /// Lowest allowed value per feature (model input units).
    public var lower: [Float]
    /// Highest allowed value per feature.
    public var upper: [Float]
    /// Which features may change.
    public var mutable: [Bool]
    /// Unit of distance per feature (1 for standardized inputs: one training standard deviation).
    public var scales: [Float]
    /// The class wanted; nil flips to whichever class is easiest (the runner-up).
    public var desiredClass: Int?
    /// The most descent steps.
    public var steps: Int
    /// The largest move of one step, in scale units.
    public var maxStep: Float

    /// A search within `lower...upper` changing only the `mutable` features.
    public init(lower: [Float], upper: [Float], mutable: [Bool], scales: [Float]? = nil, desiredClass: Int? = nil,
                steps: Int = 300, maxStep: Float = 0.25) {
        self.lower = lower
        self.upper = upper
        self.mutable = mutable
        self.scales = scales ?? Array(repeating: 1, count: lower.count)
        self.desiredClass = desiredClass
        self.steps = steps
        self.maxStep = maxStep
    }

    /// The counterfactual of `input` (one example in model input units) under `model`.
    /// - Throws: `ExplanationError.invalidSettings` for ranges or flags that do not fit the input,
    ///   `.noCounterfactual` when no allowed change flips the decision within the budget.
    public func search(_ model: any Layer, input: [Float]) throws(ExplanationError) -> Counterfactual {
        let d = input.count
        guard lower.count == d, upper.count == d, mutable.count == d, scales.count == d else {
            throw .invalidSettings("ranges, mutability and scales need \(d) values each (one per feature)")
        }
        guard zip(lower, upper).allSatisfy({ $0 <= $1 && $0.isFinite && $1.isFinite }), scales.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw .invalidSettings("every range must be finite with lower ≤ upper, every scale finite and > 0")
        }
        guard mutable.contains(true) else { throw .invalidSettings("no feature is allowed to change") }
        guard steps >= 1, maxStep > 0, maxStep.isFinite else { throw .invalidSettings("steps and the largest step must be positive") }
        guard input.allSatisfy(\.isFinite) else { throw .invalidSettings("the input must be finite") }
        // The input as it is, even where it lies outside a range: each range is widened to hold it,
        // so an immutable (or untouched) feature never moves and every change is counted.
        var search = self
        search.lower = (0..<d).map { Swift.min(lower[$0], input[$0]) }
        search.upper = (0..<d).map { Swift.max(upper[$0], input[$0]) }
        return try search.searchWithinRanges(model, input: input)
    }

    private func searchWithinRanges(_ model: any Layer, input: [Float]) throws(ExplanationError) -> Counterfactual {
        let d = input.count
        let start = input
        let startLogits = logits(model, start)
        let originalClass = argmax(startLogits)
        let classes = startLogits.count
        guard classes >= 2 else { throw .invalidSettings("a counterfactual needs a classifier with 2 or more classes") }
        if let desiredClass {
            guard (0..<classes).contains(desiredClass) else { throw .invalidSettings("desired class \(desiredClass) outside 0..<\(classes)") }
            guard desiredClass != originalClass else { throw .invalidSettings("the input is already predicted as class \(desiredClass)") }
        }
        let wanted = desiredClass ?? runnerUp(startLogits, excluding: originalClass)
        let flipped: ([Float]) -> Bool = { argmax(logits(model, $0)) == wanted }
        guard let found = descend(model, from: start, wanted: wanted), flipped(found) else {
            throw .noCounterfactual("no change to the \(mutable.filter { $0 }.count) mutable features within their ranges made the model "
                + "predict class \(wanted) within \(steps) steps")
        }
        let best = refine(found, from: start, flipped: flipped)
        return Counterfactual(original: start, counterfactual: best, originalClass: originalClass, newClass: argmax(logits(model, best)),
                              originalProbabilities: softmax(startLogits), newProbabilities: softmax(logits(model, best)),
                              changed: (0..<d).filter { best[$0] != start[$0] }, distance: distance(best, start))
    }

    /// L1 steepest descent on the margin until the decision flips; nil when no feature can move.
    private func descend(_ model: any Layer, from x: [Float], wanted: Int) -> [Float]? {
        var point = x
        for _ in 0..<steps {
            let (z, gradient) = marginGradient(model, point, wanted: wanted)
            let margin = z[runnerUp(z, excluding: wanted)] - z[wanted]
            if margin < 0 && argmax(z) == wanted { return point }
            var best = -1, bestRate: Float = 0, bestRoom: Float = 0
            for i in 0..<point.count where mutable[i] && gradient[i] != 0 {
                // Lowering the margin means moving against its gradient.
                let room = gradient[i] > 0 ? point[i] - lower[i] : upper[i] - point[i]
                let rate = abs(gradient[i]) * scales[i]
                if room > 1e-6 * scales[i], rate > bestRate { (best, bestRate, bestRoom) = (i, rate, room) }
            }
            guard best >= 0 else { return nil }
            // The linear estimate of the change that flips the decision, a little past it.
            let needed = (max(margin, 0) + 1e-4) / abs(gradient[best]) * 1.01
            let step = min(needed, maxStep * scales[best], bestRoom)
            point[best] += gradient[best] > 0 ? -step : step
            point[best] = min(max(point[best], lower[best]), upper[best])
        }
        return argmax(logits(model, point)) == wanted ? point : nil
    }

    /// Sparsity, then proximity: revert changes smallest first while the decision stays flipped,
    /// then scale the remaining change down by bisection to the nearest point that still flips.
    private func refine(_ found: [Float], from x: [Float], flipped: ([Float]) -> Bool) -> [Float] {
        var current = found
        let size: (Int) -> Float = { i in abs(found[i] - x[i]) / self.scales[i] }
        let order = (0..<x.count).filter { found[$0] != x[$0] }.sorted { size($0) < size($1) }
        for i in order {
            var trial = current
            trial[i] = x[i]
            if flipped(trial) { current = trial }
        }
        var lo: Float = 0, hi: Float = 1
        for _ in 0..<30 {
            let mid = (lo + hi) / 2
            if flipped(blend(x, current, mid)) { hi = mid } else { lo = mid }
        }
        let result = blend(x, current, hi)
        return flipped(result) ? result : current
    }

    private func blend(_ x: [Float], _ y: [Float], _ t: Float) -> [Float] {
        (0..<x.count).map { y[$0] == x[$0] ? x[$0] : min(max(x[$0] + t * (y[$0] - x[$0]), lower[$0]), upper[$0]) }
    }

    private func distance(_ a: [Float], _ b: [Float]) -> Double {
        (0..<a.count).reduce(0) { $0 + Double(abs(a[$1] - b[$1]) / scales[$1]) }
    }

    private func marginGradient(_ model: any Layer, _ point: [Float], wanted: Int) -> (logits: [Float], gradient: [Float]) {
        let z = logits(model, point)
        let rival = runnerUp(z, excluding: wanted)
        let input = Tensor(shape: [1, point.count], scalars: point)
        let rivalGradient = TargetOutputs.gradient(model, inputs: input, targets: [rival]).gradient.scalars
        let wantedGradient = TargetOutputs.gradient(model, inputs: input, targets: [wanted]).gradient.scalars
        return (z, zip(rivalGradient, wantedGradient).map { $0 - $1 })
    }

    private func logits(_ model: any Layer, _ point: [Float]) -> [Float] {
        withoutGradients { model(Tensor(shape: [1, point.count], scalars: point)) }.contiguous().scalars
    }

    private func softmax(_ z: [Float]) -> [Double] { LogitCalibration.softmax(z.map(Double.init)) }
}

private func argmax(_ z: [Float]) -> Int { z.indices.max { z[$0] < z[$1] } ?? 0 }

/// The class with the largest logit other than `excluded`.
private func runnerUp(_ z: [Float], excluding excluded: Int) -> Int {
    var best = excluded == 0 ? 1 : 0
    for i in z.indices where i != excluded && z[i] > z[best] { best = i }
    return best
}
