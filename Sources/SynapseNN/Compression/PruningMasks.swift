import SynapseCore

/// How magnitude pruning ranks weights against each other.
public enum PruningScope: String, Sendable, CaseIterable {
    /// Each weight tensor loses `amount` of its own entries (PyTorch `prune.l1_unstructured` on
    /// every layer).
    case layerwise = "layer"
    /// The smallest weights of all pruned tensors together go first (PyTorch
    /// `prune.global_unstructured`): a layer with many small weights loses more than `amount`.
    case global
}

/// The sparsity of one pruned weight tensor.
public struct LayerSparsity: Sendable, Equatable {
    /// The parameter's state-dict name (`layers.0.weight`).
    public let name: String
    /// Entries in the tensor.
    public let count: Int
    /// Entries that are exactly zero.
    public let zeros: Int
    /// `zeros / count`.
    public var sparsity: Double { count == 0 ? 0 : Double(zeros) / Double(count) }

    /// A tensor's figures.
    public init(name: String, count: Int, zeros: Int) {
        self.name = name
        self.count = count
        self.zeros = zeros
    }
}

/// Binary masks over weight tensors (1 keeps an entry, 0 prunes it): unstructured magnitude pruning
/// as `torch.nn.utils.prune` does it, with the masks kept beside the weights instead of PyTorch's
/// `weight_orig`/`weight_mask` reparametrisation, so the model's state-dict names never change.
///
/// `apply()` zeroes the pruned entries; during fine-tuning `PruningCallback` calls it after every
/// optimizer step, which keeps the effective weights exactly those of PyTorch's masked weights
/// (there the gradient of a pruned entry is zero, so it never comes back).
public final class PruningMasks: Sendable {
    /// One masked tensor.
    public struct Entry: Sendable {
        /// The parameter's state-dict name.
        public let name: String
        /// The parameter the mask applies to.
        public let parameter: Parameter
        /// 1 where the entry stays, 0 where it is pruned; the parameter's shape.
        public let mask: [Float]
    }

    /// The masked tensors, in the model's parameter order.
    public let entries: [Entry]

    /// Masks for `entries`.
    public init(entries: [Entry]) {
        for e in entries {
            require(e.mask.count == e.parameter.value.count,
                    "PruningMasks: mask of \(e.mask.count) entries for \(e.name) of shape \(e.parameter.shape)")
        }
        self.entries = entries
    }

    /// The weights pruning acts on: the `weight` of every `Linear` and `Conv2d` (PyTorch prunes
    /// those in its examples; biases and normalisation parameters are few and sensitive), with
    /// their state-dict names. Frozen weights are left out.
    public static func prunableWeights(of model: Module) -> [(String, Parameter)] {
        var out: [(String, Parameter)] = []
        func visit(_ module: Module, _ prefix: String) {
            if let linear = module as? Linear, linear.weight.requiresGrad { out.append((prefix + "weight", linear.weight)) }
            if let conv = module as? Conv2d, conv.weight.requiresGrad { out.append((prefix + "weight", conv.weight)) }
            for (name, child) in module.namedChildren() where !(name.hasPrefix("lora_")) { visit(child, prefix + name + ".") }
        }
        visit(model, "")
        return out
    }

    /// Masks that prune the `amount` (a fraction in [0, 1]) of smallest-magnitude entries of
    /// `weights` (default: `prunableWeights(of: model)`), each tensor on its own or all together
    /// (`scope`). As in PyTorch, the number pruned is `round(amount × count)` (ties to even) and
    /// equal magnitudes go in index order.
    ///
    /// `amount` is the sparsity the masks reach, counting what `previous` masks already pruned:
    /// those entries stay pruned and are counted first. (PyTorch's repeated `prune` calls take
    /// `amount` of the entries that remain instead; an iterative schedule states its targets as
    /// total sparsity, which this matches.)
    public static func magnitude(_ model: Module, amount: Double, scope: PruningScope = .layerwise,
                                 weights: [(String, Parameter)]? = nil, previous: PruningMasks? = nil) -> PruningMasks {
        require(amount.isFinite && amount >= 0 && amount <= 1, "PruningMasks.magnitude: amount must be in [0, 1], got \(amount)")
        let targets = weights ?? prunableWeights(of: model)
        let earlier = Dictionary(previous?.entries.map { (ObjectIdentifier($0.parameter), $0.mask) } ?? [], uniquingKeysWith: { a, _ in a })
        // Importance: |w|, and -1 for entries an earlier mask removed, so they stay removed.
        let scores: [[Float]] = targets.map { _, p in
            let values = p.value.contiguous().scalars
            guard let mask = earlier[ObjectIdentifier(p)] else { return values.map { abs($0) } }
            return zip(values, mask).map { $1 == 0 ? -1 : abs($0) }
        }
        func pruneCount(_ n: Int) -> Int { min(n, Int((amount * Double(n)).rounded(.toNearestOrEven))) }
        var masks = scores.map { [Float](repeating: 1, count: $0.count) }
        switch scope {
        case .layerwise:
            for t in scores.indices {
                for i in smallest(pruneCount(scores[t].count), of: scores[t]) { masks[t][i] = 0 }
            }
        case .global:
            let flat = scores.flatMap { $0 }
            var starts: [Int] = []
            var offset = 0
            for s in scores { starts.append(offset); offset += s.count }
            for i in smallest(pruneCount(flat.count), of: flat) {
                // The tensor holding flat index i: the last start at or below it.
                var t = 0
                while t + 1 < starts.count && starts[t + 1] <= i { t += 1 }
                masks[t][i - starts[t]] = 0
            }
        }
        return PruningMasks(entries: zip(targets, masks).map { Entry(name: $0.0.0, parameter: $0.0.1, mask: $0.1) })
    }

    /// Indices of the `k` smallest scores, equal scores in index order.
    private static func smallest(_ k: Int, of scores: [Float]) -> [Int] {
        guard k > 0 else { return [] }
        return scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] < scores[$1] : $0 < $1 }.prefix(k).map { $0 }
    }

    /// Zeroes the pruned entries of every masked parameter, in place (no gradient is recorded).
    public func apply() {
        for e in entries {
            e.parameter.value.withUnsafeMutableBufferPointer { w in
                for i in 0..<w.count where e.mask[i] == 0 { w[i] = 0 }
            }
        }
    }

    /// Sparsity of each masked tensor as its values stand now.
    public var layerSparsity: [LayerSparsity] { entries.map { LayerSparsity.measure($0.parameter.value, name: $0.name) } }

    /// The fraction of masked entries pruned, over all tensors.
    public var sparsity: Double {
        let total = entries.reduce(0) { $0 + $1.mask.count }
        let pruned = entries.reduce(0) { $0 + $1.mask.lazy.filter { $0 == 0 }.count }
        return total == 0 ? 0 : Double(pruned) / Double(total)
    }
}

extension LayerSparsity {
    /// Counts the exact zeros of `tensor`.
    public static func measure(_ tensor: Tensor, name: String) -> LayerSparsity {
        let zeros = tensor.contiguous().withUnsafeBufferPointer { $0.lazy.filter { $0 == 0 }.count }
        return LayerSparsity(name: name, count: tensor.count, zeros: zeros)
    }

    /// The sparsity of every prunable weight of `model` (see `PruningMasks.prunableWeights`), pruned or not.
    public static func of(_ model: Module) -> [LayerSparsity] {
        PruningMasks.prunableWeights(of: model).map { measure($0.1.value, name: $0.0) }
    }
}
