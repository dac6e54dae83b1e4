import Foundation
import SynapseCore
import SynapseNN

/// Occlusion (Zeiler and Fergus 2014): slide a window over the input, replace what it covers with a
/// baseline value, and attribute the drop of the target logit, f(x) − f(occluded), to every value
/// the window covered, averaged over the windows that covered it. Matches Captum's
/// `Occlusion.attribute(sliding_window_shapes:, strides:, baselines:)`, including its windows
/// that run past the far edge (⌈(size − window) / stride⌉ + 1 positions per axis, the last cut short).
public struct Occlusion: AttributionMethod {
    /// The window's extent along each axis of one example (e.g. [1, 4, 4] or [3, 4, 4] for [C, H, W]).
    public var window: [Int]
    /// The window's step along each axis.
    public var strides: [Int]
    /// The value occluded positions take.
    public var baseline: Float

    /// Occlusion with `window` moved by `strides`, filling with `baseline`.
    public init(window: [Int], strides: [Int], baseline: Float = 0) {
        self.window = window
        self.strides = strides
        self.baseline = baseline
    }

    /// `occlusion`.
    public var name: String { "occlusion" }

    /// Average logit drop per input value over the windows covering it.
    public func attribute(_ model: any Layer, inputs: Tensor, targets: [Int]) throws(ExplanationError) -> Attribution {
        try TargetOutputs.validate(model, inputs: inputs, targets: targets)
        let dims = Array(inputs.shape.dropFirst())
        guard window.count == dims.count, strides.count == dims.count else {
            throw .invalidSettings("occlusion window \(window) and strides \(strides) need one extent per axis of an example \(dims)")
        }
        for (axis, (w, s)) in zip(window, strides).enumerated() {
            guard w >= 1, w <= dims[axis] else { throw .invalidSettings("occlusion window \(window) must fit in an example \(dims)") }
            guard s >= 1 else { throw .invalidSettings("occlusion strides must be ≥ 1, got \(strides)") }
        }
        guard baseline.isFinite else { throw .invalidSettings("occlusion baseline must be finite, got \(baseline)") }
        let counts = zip(zip(dims, window), strides).map { pair, s in Int((Double(pair.0 - pair.1) / Double(s)).rounded(.up)) + 1 }
        let positions = counts.reduce(1, *)
        guard positions <= 1_000_000 else { throw .invalidSettings("occlusion would evaluate \(positions) windows; use a larger stride") }
        let n = inputs.shape[0], x = inputs.contiguous().scalars, size = x.count / n
        let elementStrides = dims.indices.map { dims[($0 + 1)...].reduce(1, *) }
        let fx = TargetOutputs.logits(model, inputs: inputs, targets: targets)
        var sums = [Double](repeating: 0, count: size * n), covered = [Double](repeating: 0, count: size)
        let positionsPerPass = max(1, TargetOutputs.chunkSize * 4 / n)
        var start = 0
        while start < positions {
            let end = min(start + positionsPerPass, positions)
            var batch: [Float] = []
            batch.reserveCapacity((end - start) * x.count)
            var masks: [[Int]] = []
            for p in start..<end {
                let mask = coveredElements(position: p, counts: counts, dims: dims, elementStrides: elementStrides)
                masks.append(mask)
                var copy = x
                for e in 0..<n { for i in mask { copy[e * size + i] = baseline } }
                batch += copy
            }
            let repeated = Array(repeating: targets, count: end - start).flatMap { $0 }
            let occluded = TargetOutputs.logits(model, inputs: Tensor(shape: [(end - start) * n] + dims, scalars: batch), targets: repeated)
            for (k, mask) in masks.enumerated() {
                for i in mask { covered[i] += 1 }
                for e in 0..<n {
                    let drop = fx[e] - occluded[k * n + e]
                    for i in mask { sums[e * size + i] += drop }
                }
            }
            start = end
        }
        let values = sums.enumerated().map { Float($1 / max(covered[$0 % size], 1)) }
        return Attribution(values: Tensor(shape: inputs.shape, scalars: values), method: name, targets: targets, outputs: fx,
                           steps: positions)
    }

    /// Flat indices (within one example) covered by the window at position `p`.
    private func coveredElements(position p: Int, counts: [Int], dims: [Int], elementStrides: [Int]) -> [Int] {
        var rest = p
        var ranges: [Range<Int>] = Array(repeating: 0..<0, count: dims.count)
        for axis in stride(from: dims.count - 1, through: 0, by: -1) {
            let index = rest % counts[axis]
            rest /= counts[axis]
            let lo = index * strides[axis]
            ranges[axis] = lo..<min(lo + window[axis], dims[axis])
        }
        var out = [0]
        for axis in dims.indices {
            out = out.flatMap { base in ranges[axis].map { base + $0 * elementStrides[axis] } }
        }
        return out
    }
}
