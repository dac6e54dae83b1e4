import SynapseCore

/// Graph attention (Veličković et al. 2018), PyTorch Geometric's `GATConv`: each node attends over
/// its incoming edges and itself with `heads` independent heads,
///
///     αᵢⱼ = softmax_j LeakyReLU(aₛᵣ꜀ · Θxⱼ + a_dst · Θxᵢ),   x′ᵢ = Σⱼ αᵢⱼ Θxⱼ,
///
/// the heads concatenated (`concat`) or averaged, then the bias added. As PyG, existing self-loops
/// are removed and one per node added; dropout applies to the attention coefficients in training.
/// Parameters carry PyG's names: `lin.weight` [heads·out, in] (no bias), `att_src` and `att_dst`
/// [1, heads, out], `bias` [heads·out] (concat) or [out]; Glorot-uniform and zero bias at
/// initialisation, as PyG.
public final class GATConv: Module {
    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String { "\(lin.inFeatures) → \(outChannels), heads: \(heads)" + (concat ? "" : ", mean") }

    /// Θ for every head, without bias.
    public let lin: Linear
    /// a_src [1, heads, out].
    public let attSrc: Parameter
    /// a_dst [1, heads, out].
    public let attDst: Parameter
    /// The bias, or nil.
    public let bias: Parameter?
    /// Attention heads.
    public let heads: Int
    /// Features per head.
    public let outChannels: Int
    /// Concatenate the heads (else average them).
    public let concat: Bool
    /// The LeakyReLU slope of the attention logits.
    public let negativeSlope: Float
    /// Dropout on the attention coefficients (training only).
    public let attentionDropout: Dropout
    /// Remove self-loops and add one per node.
    public let addSelfLoops: Bool

    /// PyG's names for the attention vectors.
    public override func stateDictName(forProperty name: String) -> String {
        switch name {
        case "attSrc": "att_src"
        case "attDst": "att_dst"
        default: name
        }
    }

    /// A layer from `inChannels` to `outChannels` features per head.
    public init(_ inChannels: Int, _ outChannels: Int, heads: Int = 1, concat: Bool = true, negativeSlope: Float = 0.2,
                dropout: Float = 0, addSelfLoops: Bool = true, bias: Bool = true, generator: RandomGenerator = .global) {
        require(heads >= 1, "GATConv: heads must be ≥ 1, got \(heads)")
        lin = Linear(inChannels, heads * outChannels, bias: false, generator: generator)
        lin.weight.value = Init.xavierUniform([heads * outChannels, inChannels], generator: generator)
        // PyG's glorot on [1, heads, out]: bound √(6 / (heads + out)).
        let bound = (6 / Float(heads + outChannels)).squareRoot()
        attSrc = Parameter(Init.uniform([1, heads, outChannels], low: -bound, high: bound, generator: generator))
        attDst = Parameter(Init.uniform([1, heads, outChannels], low: -bound, high: bound, generator: generator))
        self.bias = bias ? Parameter(Tensor.zeros([concat ? heads * outChannels : outChannels])) : nil
        self.heads = heads
        self.outChannels = outChannels
        self.concat = concat
        self.negativeSlope = negativeSlope
        attentionDropout = Dropout(p: dropout, generator: generator)
        self.addSelfLoops = addSelfLoops
        super.init()
    }

    /// The layer on node features `x` [nodes, in] over `edges`.
    public func callAsFunction(_ x: Tensor, edges: EdgeIndex) -> Tensor {
        recordingCall { attend(x, edges: edges).output }
    }

    /// The output and the attention coefficients [edges′, heads] over the edges actually used
    /// (`edges` without self-loops, then one self-loop per node, when `addSelfLoops`).
    public func attend(_ x: Tensor, edges: EdgeIndex) -> (output: Tensor, edges: EdgeIndex, attention: Tensor) {
        let (h, e, logits) = project(x, edges: edges)
        let n = edges.nodeCount
        var alpha = leakyRelu(logits, negativeSlope: negativeSlope).segmentSoftmax(index: e.targets, count: n)
        alpha = attentionDropout(alpha)
        let messages = h.indexSelect(dim: 0, index: IntTensor(e.sources)) * alpha.unsqueezed(2)   // [edges′, heads, out]
        var y = messages.scatter(index: e.targets, count: n)                                        // [n, heads, out]
        y = concat ? y.reshaped([n, heads * outChannels]) : y.mean(dim: 1)
        if let bias { y = y + bias.value }
        return (y, e, alpha)
    }

    /// The attention logits before LeakyReLU, a_src · Θxⱼ + a_dst · Θxᵢ [edges′, heads], over the
    /// edges actually used.
    public func attentionLogits(_ x: Tensor, edges: EdgeIndex) -> Tensor { project(x, edges: edges).logits }

    /// Θx per head [n, heads, out], the edges used, and the attention logits.
    private func project(_ x: Tensor, edges: EdgeIndex) -> (h: Tensor, edges: EdgeIndex, logits: Tensor) {
        require(x.rank == 2 && x.shape[0] == edges.nodeCount,
                "GATConv: node features \(x.shape) do not match a graph of \(edges.nodeCount) nodes")
        let n = edges.nodeCount
        let e = addSelfLoops ? edges.removingSelfLoops().edges.addingSelfLoops() : edges
        let h = lin(x).reshaped([n, heads, outChannels])
        let alphaSrc = (h * attSrc.value).sum(dim: 2), alphaDst = (h * attDst.value).sum(dim: 2)   // [n, heads]
        let logits = alphaSrc.indexSelect(dim: 0, index: IntTensor(e.sources)) + alphaDst.indexSelect(dim: 0, index: IntTensor(e.targets))
        return (h, e, logits)
    }
}
