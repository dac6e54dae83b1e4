import SynapseCore

/// The norm that ranks whole neurons or channels in structured pruning (PyTorch
/// `prune.ln_structured`'s `n`).
public enum NeuronNorm: String, Sendable, CaseIterable {
    /// Sum of absolute values.
    case l1
    /// Euclidean norm.
    case l2
}

/// Structured pruning that removes whole neurons and channels and so **shrinks** the layers: the
/// result is a smaller dense network, faster with the same kernels (unlike masked weights, which
/// leave every multiply in place).
///
/// A neuron is ranked by the norm of its incoming weights (its row of a `Linear` weight, its
/// filter of a `Conv2d`), as `prune.ln_structured(module, "weight", amount, n, dim=0)` ranks it;
/// the `round(amount × count)` weakest go (ties to even, at least one neuron stays), with their
/// bias entries, and the next layer loses the matching input columns.
public enum StructuredPruning {
    /// Indices (ascending) of the output rows of `weight` (`[out, ...]`) to keep: the
    /// `out - round(amount × out)` of largest `norm`, equal norms kept in index order.
    public static func keptOutputs(of weight: Tensor, amount: Double, norm: NeuronNorm) -> [Int] {
        keptOutputs(of: weight, count: keptCount(weight.shape[0], amount: amount), norm: norm)
    }

    /// How many of `count` neurons stay when `amount` of them go: `count - round(amount × count)`
    /// (ties to even), at least one.
    public static func keptCount(_ count: Int, amount: Double) -> Int {
        require(amount.isFinite && amount >= 0 && amount < 1, "StructuredPruning: amount must be in [0, 1), got \(amount)")
        return max(1, count - Int((amount * Double(count)).rounded(.toNearestOrEven)))
    }

    /// Indices (ascending) of the `count` output rows of `weight` with the largest `norm`, equal
    /// norms kept in index order.
    public static func keptOutputs(of weight: Tensor, count: Int, norm: NeuronNorm) -> [Int] {
        let rows = weight.shape[0], width = weight.count / max(rows, 1)
        require(count >= 1 && count <= rows, "StructuredPruning: cannot keep \(count) of \(rows) neurons")
        let values = weight.contiguous().scalars
        let norms: [Double] = (0..<rows).map { r in
            let row = values[(r * width)..<((r + 1) * width)]
            switch norm {
            case .l1: return row.reduce(0) { $0 + Double(abs($1)) }
            case .l2: return row.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            }
        }
        let order = (0..<rows).sorted { norms[$0] != norms[$1] ? norms[$0] > norms[$1] : $0 < $1 }
        return order.prefix(count).sorted()
    }

    /// Shrinks every hidden `Linear` of `chain` (each `Linear` followed, after layers that keep the
    /// width such as `ReLU` or `Dropout`, by another `Linear`), removing `amount` of its neurons
    /// by `norm`; the last `Linear` keeps its outputs. Returns the new chain (fresh layers; the
    /// width-keeping layers are shared with `chain`) and the kept neuron indices of each hidden layer.
    public static func shrinkingHiddenLayers(of chain: Sequential, amount: Double, norm: NeuronNorm = .l1)
        -> (chain: Sequential, kept: [[Int]]) {
        let widths = chain.layers.compactMap { $0 as? Linear }.dropLast().map { keptCount($0.outFeatures, amount: amount) }
        return shrinkingHiddenLayers(of: chain, toWidths: Array(widths), norm: norm)
    }

    /// Shrinks the hidden `Linear` layers of `chain` to `widths` neurons each (one width per
    /// hidden layer, none above its current width), keeping those of largest `norm`.
    public static func shrinkingHiddenLayers(of chain: Sequential, toWidths widths: [Int], norm: NeuronNorm = .l1)
        -> (chain: Sequential, kept: [[Int]]) {
        var layers = chain.layers
        let dense = layers.indices.filter { layers[$0] is Linear }
        require(widths.count == max(dense.count - 1, 0), "StructuredPruning: \(widths.count) widths for \(max(dense.count - 1, 0)) hidden layers")
        var kept: [[Int]] = []
        for (k, i) in dense.enumerated().dropLast() {
            for j in (i + 1)..<dense[k + 1] {
                require(layers[j] is ReLU || layers[j] is Dropout || layers[j] is GELU || layers[j] is Tanh || layers[j] is Sigmoid,
                        "StructuredPruning: layer \(j) (\(type(of: layers[j]))) between two Linear layers must keep the width (an activation or dropout)")
            }
            let current = layers[i] as! Linear
            let keep = keptOutputs(of: current.weight.value, count: widths[k], norm: norm)
            layers[i] = current.keeping(outputs: keep)
            layers[dense[k + 1]] = (layers[dense[k + 1]] as! Linear).keeping(inputs: keep)
            kept.append(keep)
        }
        return (Sequential(layers), kept)
    }

    /// Gathers rows `rows` (all when nil) and, within each row, the column blocks `columns` of
    /// `blockSize` values each (all when nil) of a row-major `[R, C]` buffer.
    static func gather(_ values: [Float], rowCount: Int, rows: [Int]?, columns: [Int]?, blockSize: Int) -> [Float] {
        let width = values.count / max(rowCount, 1)
        var out: [Float] = []
        out.reserveCapacity((rows?.count ?? rowCount) * (columns.map { $0.count * blockSize } ?? width))
        for r in rows ?? Array(0..<rowCount) {
            let base = r * width
            if let columns {
                for c in columns { out.append(contentsOf: values[(base + c * blockSize)..<(base + (c + 1) * blockSize)]) }
            } else {
                out.append(contentsOf: values[base..<(base + width)])
            }
        }
        return out
    }
}

extension Linear {
    /// A new layer with only the output neurons `outputs` (rows of the weight, entries of the bias)
    /// and the input features `inputs` (columns), each in the order given; nil keeps all. With
    /// `inputBlock` > 1 each kept input stands for that many consecutive columns (a channel of a
    /// flattened feature map: `inputs` are channels, `inputBlock` = height × width).
    public func keeping(outputs: [Int]? = nil, inputs: [Int]? = nil, inputBlock: Int = 1) -> Linear {
        require(inFeatures % inputBlock == 0, "Linear.keeping: \(inFeatures) inputs are not blocks of \(inputBlock)")
        let outs = outputs ?? Array(0..<outFeatures), ins = inputs.map { $0.count * inputBlock } ?? inFeatures
        require(outs.allSatisfy { (0..<outFeatures).contains($0) } && (inputs ?? []).allSatisfy { (0..<(inFeatures / inputBlock)).contains($0) },
                "Linear.keeping: indices outside \(outFeatures) outputs / \(inFeatures / inputBlock) input blocks")
        let layer = Linear(ins, outs.count, bias: bias != nil, generator: RandomGenerator(seed: 0))
        layer.weight.value = Tensor(shape: [outs.count, ins], scalars: StructuredPruning.gather(
            weight.value.contiguous().scalars, rowCount: outFeatures, rows: outs, columns: inputs, blockSize: inputBlock))
        if let bias, let newBias = layer.bias {
            let b = bias.value.contiguous().scalars
            newBias.value = Tensor(shape: [outs.count], scalars: outs.map { b[$0] })
        }
        if !weight.requiresGrad { layer.weight.requiresGrad = false; layer.bias?.requiresGrad = false }
        return layer
    }
}

extension Conv2d {
    /// A new layer with only the output channels `outputs` and the input channels `inputs` (nil
    /// keeps all), other settings unchanged. Grouped convolutions other than groups = 1 are refused.
    public func keeping(outputs: [Int]? = nil, inputs: [Int]? = nil) -> Conv2d {
        require(groups == 1, "Conv2d.keeping: structured pruning of grouped convolutions (groups \(groups)) is not supported")
        let shape = weight.shape  // [out, in, kh, kw]
        let outs = outputs ?? Array(0..<shape[0]), ins = inputs ?? Array(0..<shape[1])
        require(outs.allSatisfy { (0..<shape[0]).contains($0) } && ins.allSatisfy { (0..<shape[1]).contains($0) },
                "Conv2d.keeping: channel indices outside \(shape[0]) outputs / \(shape[1]) inputs")
        let layer = Conv2d(ins.count, outs.count, kernelSize: (shape[2], shape[3]), stride: stride, padding: padding,
                           dilation: dilation, bias: bias != nil, generator: RandomGenerator(seed: 0))
        layer.weight.value = Tensor(shape: [outs.count, ins.count, shape[2], shape[3]], scalars: StructuredPruning.gather(
            weight.value.contiguous().scalars, rowCount: shape[0], rows: outs, columns: inputs, blockSize: shape[2] * shape[3]))
        if let bias, let newBias = layer.bias {
            let b = bias.value.contiguous().scalars
            newBias.value = Tensor(shape: [outs.count], scalars: outs.map { b[$0] })
        }
        if !weight.requiresGrad { layer.weight.requiresGrad = false; layer.bias?.requiresGrad = false }
        return layer
    }
}
