/// `embedding` whose gradient for `weight` is row-sparse: instead of scattering into a dense
/// [numEmbeddings, dim] table of zeros, the backward pass hands `sink` the touched rows and their
/// summed gradients (PyTorch `F.embedding(..., sparse=True)`). `weight` itself then receives no
/// dense gradient, so dense optimizers skip it; `SparseAdam` reads the sparse one.
///
/// Values are those of `embedding`; the padding row receives nothing. Stops with a message naming
/// `sparseEmbedding` on a bad weight shape or an index outside 0..<numEmbeddings.
public func sparseEmbedding(_ indices: IntTensor, weight: Tensor, paddingIndex: Int? = nil,
                            sink: @escaping @Sendable (RowSparseGradient) -> Void) -> Tensor {
    require(weight.rank == 2, "sparseEmbedding: weight must be [numEmbeddings, embeddingDim], got \(weight.shape)")
    let rows = weight.shape[0], dim = weight.shape[1]
    let ids = indices.scalars
    if let bad = ids.first(where: { $0 < 0 || $0 >= rows }) {
        requireFailure("sparseEmbedding: index \(bad) is out of range for \(rows) embeddings (valid: 0..<\(rows))")
    }
    let y = withoutGradients { embedding(indices, weight: weight.detached(), paddingIndex: paddingIndex) }
    return y.recorded("sparseEmbedding", inputs: [weight]) { g in
        var sparse = RowSparseGradient(tableRows: rows, rowWidth: dim)
        let gc = g.contiguous()
        gc.withUnsafeBufferPointer { sparse.accumulate(indices: ids, gradient: $0, skipping: paddingIndex) }
        sink(sparse)
        // The weight's dense gradient is deliberately absent: the sink holds it.
        return [nil]
    }
}
