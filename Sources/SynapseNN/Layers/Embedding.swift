import SynapseCore

/// A lookup table of embeddings (PyTorch `nn.Embedding`): row i of `weight` is the vector for index i.
///
/// `weight` is [numEmbeddings, embeddingDim], initialised N(0, 1) as in PyTorch. With a
/// `paddingIndex`, that row starts at zero and never receives a gradient (so it stays as set);
/// gradients of repeated indices accumulate. With `sparse: true` (PyTorch `sparse=True`) the
/// table's gradient is row-sparse (`weight.sparseGrad`, the touched rows only) for `SparseAdam`,
/// which is what large recommendation tables want. Indices outside 0..<numEmbeddings stop the program
/// with a message naming the layer, the index and the table size.
public final class Embedding: Module {
    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String {
        "\(numEmbeddings), \(embeddingDim)" + (paddingIndex.map { ", paddingIndex: \($0)" } ?? "") + (sparse ? ", sparse: true" : "")
    }

    /// [numEmbeddings, embeddingDim] (state-dict name `weight`).
    public let weight: Parameter
    /// The row that is zero at initialisation and gets no gradient (normalised to 0..<numEmbeddings), or nil.
    public let paddingIndex: Int?
    /// Whether backward leaves a row-sparse gradient in `weight.sparseGrad` instead of a dense one.
    public let sparse: Bool

    /// A table of `numEmbeddings` vectors of size `embeddingDim`. A negative `paddingIndex` counts from
    /// the end, as in PyTorch; `sparse` selects row-sparse gradients (see the type's notes).
    public init(_ numEmbeddings: Int, _ embeddingDim: Int, paddingIndex: Int? = nil, sparse: Bool = false,
                generator: RandomGenerator = .global) {
        self.sparse = sparse
        require(numEmbeddings > 0 && embeddingDim > 0,
                     "Embedding: numEmbeddings and embeddingDim must be positive, got \(numEmbeddings) and \(embeddingDim)")
        var padding = paddingIndex
        if let p = paddingIndex {
            require(p >= -numEmbeddings && p < numEmbeddings,
                         "Embedding(\(numEmbeddings), \(embeddingDim)): paddingIndex \(p) must be in -\(numEmbeddings)..<\(numEmbeddings)")
            padding = p < 0 ? p + numEmbeddings : p
        }
        self.paddingIndex = padding
        var w = Init.normal([numEmbeddings, embeddingDim], generator: generator)
        if let p = padding {
            w.withUnsafeMutableBufferPointer { b in
                for j in 0..<embeddingDim { b[p * embeddingDim + j] = 0 }
            }
        }
        weight = Parameter(w)
        super.init()
    }

    /// Number of rows of the table.
    public var numEmbeddings: Int { weight.shape[0] }
    /// Size of each vector.
    public var embeddingDim: Int { weight.shape[1] }

    /// The message for the first index outside the table, or nil when all are valid.
    func indexError(_ indices: IntTensor) -> String? {
        let size = numEmbeddings
        guard let bad = indices.scalars.first(where: { $0 < 0 || $0 >= size }) else { return nil }
        return "Embedding(\(size), \(embeddingDim)): index \(bad) is out of range for \(size) embeddings (valid: 0..<\(size))"
    }

    /// The vectors of `indices` (any shape S), as a tensor of shape S + [embeddingDim]: the
    /// `embedding` op on this layer's table.
    public func callAsFunction(_ indices: IntTensor) -> Tensor {
        recordingCall {
            // Checked here first so the message names this layer, not just the op.
            if let message = indexError(indices) { requireFailure(message) }
            guard sparse else { return embedding(indices, weight: weight.value, paddingIndex: paddingIndex) }
            let table = weight
            return sparseEmbedding(indices, weight: table.value, paddingIndex: paddingIndex) { table.accumulateSparseGrad($0) }
        }
    }
}

extension Embedding {
    /// The fully labelled form with PyTorch's parameter names, `Embedding(numEmbeddings: 1000, embeddingDim: 64)`;
    /// `Embedding(1000, 64)` is the same layer.
    public convenience init(numEmbeddings: Int, embeddingDim: Int, paddingIndex: Int? = nil, sparse: Bool = false,
                            generator: RandomGenerator = .global) {
        self.init(numEmbeddings, embeddingDim, paddingIndex: paddingIndex, sparse: sparse, generator: generator)
    }
}
