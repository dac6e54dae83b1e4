import CKernels
import Foundation

/// Small-batch inference path of `linear` (see `syn_linear_small`; rows with many zero inputs skip
/// them through column panels, see `syn_pack_column_panels`).
enum SmallLinear {
    static let maxRows = 8
    /// Below this many weights one thread is faster than dispatching to the team.
    static let parallelWeights = 65_536
    /// Whether layers big enough to split also keep column panels and skip zero inputs (see
    /// `syn_pack_column_panels`). `SYNAPSE_SKIP_ZEROS=0` turns it off for a process (comparisons);
    /// tests turn it off for one task.
    @TaskLocal static var skipsZeroInputs = ProcessInfo.processInfo.environment["SYNAPSE_SKIP_ZEROS"] != "0"

    /// Column panels of `weight` for a layer that splits, when zero skipping is on and they are
    /// packed. `input` is the layer's input when the caller has it (a chain's first layer, a single
    /// layer): panels are then made only if one of its rows will run on them, so a model fed dense
    /// rows keeps no copy. A chain's later layers cannot be checked before the call (their inputs are
    /// made inside it) and ask regardless; they mostly read ReLU outputs, half zeros. Either way a row
    /// that runs on panels always finds them, so its path depends on its data alone.
    private static func panels(_ weight: Tensor, split: Bool, input: (pointer: UnsafePointer<Float>, rows: Int)?) -> PackedWeightCache.Entry? {
        guard split, skipsZeroInputs else { return nil }
        if let input, syn_linear_has_sparse_row(input.pointer, input.rows, weight.shape[1]) == 0 { return nil }
        return PackedWeightCache.shared.columnPanels(weight)
    }

    /// One layer through `syn_linear_chain_small` (the one home of the static split: thread i always
    /// gets the same rows of W, so its share stays in its core's cache between calls).
    static func apply(_ x: Tensor, weight: Tensor, bias: Tensor?, relu: Bool) -> Tensor {
        let (n, k) = (weight.shape[0], weight.shape[1])
        if let bias { require(bias.shape == [n], "linear: bias of shape \(bias.shape) does not match \(n) outputs") }
        let xc = x.contiguous(), bc = bias?.contiguous()
        let m = xc.count / Swift.max(k, 1)
        let split = n * k >= parallelWeights
        let packed = panels(weight, split: split, input: (UnsafePointer(xc.basePointer), m))
        return withExtendedLifetime((xc, weight, bc, packed)) {
            Tensor.produce(Array(x.shape.dropLast()) + [n]) { out in
                let layer = syn_linear_chain_layer(
                    weight: weight.basePointer, bias: bc.map { UnsafePointer($0.basePointer) }, output: out, n: n, k: k,
                    relu: relu ? 1 : 0, reverse: Int32(weight.storage.sweeps.add(1, ordering: .relaxed).newValue & 1),
                    split: split ? 1 : 0, panels: packed?.buffer.map { UnsafePointer($0.assumingMemoryBound(to: Float.self)) })
                let threads = layer.split != 0 ? ThreadPool.shared.effectiveThreadCount : 1
                let xp = SendablePointer(xc.basePointer)
                withUnsafePointer(to: layer) { plan in
                    // One layer needs no barrier, so the plain region serves (and works on any pool).
                    let lp = SendablePointer(plan)
                    if threads > 1 {
                        ThreadPool.shared.run { i in syn_linear_chain_small(xp.pointer, m, lp.pointer, 1, Int32(i), Int32(threads)) }
                    } else {
                        syn_linear_chain_small(xp.pointer, m, plan, 1, 0, 1)
                    }
                }
            }
        }
    }

    /// `linearChain`'s kernel: every layer with the same rows per thread as `apply`, all in one team region with a barrier between dependent layers. Nil when a layer
    /// does not fit the path (its caller then runs the layers one by one, with their checks).
    static func chain(_ x: Tensor, layers: [LinearChainLayer]) -> Tensor? {
        let pool = ThreadPool.shared
        guard !layers.isEmpty, x.rank >= 1, pool.usesOpenMPTeam || pool.threadCount == 1 else { return nil }
        var width = x.shape[x.rank - 1]
        for layer in layers {
            let w = layer.weight
            guard w.rank == 2, w.isContiguous, w.shape[1] == width,
                  layer.bias.map({ $0.shape == [w.shape[0]] }) ?? true else { return nil }
            width = w.shape[0]
        }
        let xc = x.contiguous()
        let m = xc.count / Swift.max(x.shape[x.rank - 1], 1)
        guard m < maxRows else { return nil }
        let biases = layers.map { $0.bias?.contiguous() }
        // Outputs of every layer but the last, which is the result.
        let hidden = layers.dropLast().map { TensorStorage(uninitializedCount: Swift.max(m * $0.weight.shape[0], 1)) }
        let packed = layers.enumerated().map { l, layer in
            panels(layer.weight, split: layer.weight.count >= parallelWeights, input: l == 0 ? (UnsafePointer(xc.basePointer), m) : nil)
        }
        return withExtendedLifetime((xc, layers, biases, hidden, packed)) {
            Tensor.produce(Array(x.shape.dropLast()) + [width]) { out in
                var plan = [syn_linear_chain_layer]()
                plan.reserveCapacity(layers.count)
                for (l, layer) in layers.enumerated() {
                    let (n, k) = (layer.weight.shape[0], layer.weight.shape[1])
                    plan.append(syn_linear_chain_layer(
                        weight: layer.weight.basePointer, bias: biases[l].map { UnsafePointer($0.basePointer) },
                        output: l < hidden.count ? hidden[l].pointer : out, n: n, k: k, relu: layer.relu ? 1 : 0,
                        reverse: Int32(layer.weight.storage.sweeps.add(1, ordering: .relaxed).newValue & 1),
                        split: n * k >= parallelWeights ? 1 : 0,
                        panels: packed[l]?.buffer.map { UnsafePointer($0.assumingMemoryBound(to: Float.self)) }))
                }
                let xp = SendablePointer(xc.basePointer)
                plan.withUnsafeBufferPointer { buffer in
                    let planPointer = buffer.baseAddress!, count = Int32(buffer.count)
                    if plan.contains(where: { $0.split != 0 }) {
                        pool.runTeam { index, team in
                            syn_linear_chain_small(xp.pointer, m, planPointer, count, Int32(index), Int32(team))
                        }
                    } else {
                        syn_linear_chain_small(xp.pointer, m, planPointer, count, 0, 1)
                    }
                }
            }
        }
    }
}
