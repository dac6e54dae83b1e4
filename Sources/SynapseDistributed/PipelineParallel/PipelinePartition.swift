import Foundation
import SynapseCore
import SynapseNN

/// How `PipelineParallel` cuts a chain of layers into one contiguous stage per process.
public enum PipelineBalance {
    /// Stage `s` starts at layer `starts[s]` (`starts[0] == 0`, strictly increasing, one per process).
    case starts([Int])
    /// Stages with about equal parameter counts: cheap to decide, but blind to compute (a
    /// convolution has few parameters and most of the work).
    case parameters
    /// Stages with about equal measured time: rank 0 times each layer's forward and backward pass on
    /// `sample` (one micro-batch of inputs) and every process uses its figures (torchgpipe's
    /// `balance_by_time`). The default of `synapse train --pipeline`.
    case measured(sample: Tensor)
}

/// Contiguous partitions of a layer chain (pipeline stages) and the layer costs they balance.
public enum PipelinePartition {
    /// The stage starts that cut layers with `costs` into `stages` contiguous, non-empty stages
    /// whose largest total cost is as small as possible (the pipeline's throughput is set by its
    /// slowest stage), by dynamic programming. Among cuts with the same largest stage it prefers
    /// evener ones (a smaller sum of squared stage costs), so no stage is left with only
    /// parameter-free glue when another cut gives it work.
    public static func balanced(costs: [Double], stages: Int) -> [Int] {
        let n = costs.count
        require(stages >= 1 && stages <= n, "PipelinePartition.balanced: \(n) layers cannot fill \(stages) stages")
        var prefix = [0.0]
        for c in costs { prefix.append(prefix.last! + max(c, 0)) }
        // best[k][i]: the best (largest stage, sum of squares) for the first i layers in k stages;
        // cut[k][i]: where its stage k starts.
        let worst = (largest: Double.infinity, squares: Double.infinity)
        var best = Array(repeating: Array(repeating: worst, count: n + 1), count: stages + 1)
        var cut = Array(repeating: Array(repeating: 0, count: n + 1), count: stages + 1)
        best[0][0] = (0, 0)
        // Costs within a relative 1e-9 count as equal (timings and sums round).
        let tolerance = 1e-9 * max(prefix[n], 1e-300)
        for k in 1...stages {
            for i in k...n {
                for j in (k - 1)..<i where best[k - 1][j].largest.isFinite {
                    let stageCost = prefix[i] - prefix[j]
                    let candidate = (largest: max(best[k - 1][j].largest, stageCost), squares: best[k - 1][j].squares + stageCost * stageCost)
                    let current = best[k][i]
                    if candidate.largest < current.largest - tolerance
                        || (abs(candidate.largest - current.largest) <= tolerance && candidate.squares < current.squares) {
                        best[k][i] = candidate
                        cut[k][i] = j
                    }
                }
            }
        }
        var starts = [Int](repeating: 0, count: stages)
        var end = n
        for k in stride(from: stages, through: 1, by: -1) {
            starts[k - 1] = cut[k][end]
            end = cut[k][end]
        }
        return starts
    }

    /// Each layer's parameter count (the `.parameters` balance).
    public static func parameterCosts(_ layers: [any Layer]) -> [Double] {
        layers.map { Double(($0 as Module).parameterCount) }
    }

    /// Seconds of each layer's forward and backward pass on the activations `sample` produces
    /// through the layers before it (the best of `repetitions` runs each); the layers' gradients
    /// are cleared afterwards. As in training, the first layer computes no gradient for its input.
    public static func measuredCosts(_ layers: [any Layer], sample: Tensor, repetitions: Int = 3) -> [Double] {
        var activation = sample.detached()
        var costs: [Double] = []
        for (index, layer) in layers.enumerated() {
            var fastest = Double.infinity
            var output = activation
            for _ in 0..<max(repetitions, 1) {
                let input = index == 0 ? activation : activation.requiringGrad()
                let start = DispatchTime.now().uptimeNanoseconds
                let y = layer(input)
                if y.requiresGrad { y.sum().backward() }
                fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                output = y.detached()
            }
            costs.append(fastest)
            activation = output
        }
        for layer in layers { (layer as Module).zeroGrad() }
        return costs
    }
}
