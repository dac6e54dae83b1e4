/// Rows of `weight` picked by `indices` (PyTorch `torch.nn.functional.embedding`): the result has
/// shape `indices.shape + [weight.shape[1]]`, row k being `weight[indices[k]]`.
///
/// Differentiable in `weight`: gradients of repeated indices accumulate, and the row
/// `paddingIndex` (in 0..<numEmbeddings, when given) receives none. Stops with a message naming
/// `embedding` when `weight` is not [numEmbeddings, dim] or an index lies outside 0..<numEmbeddings.
public func embedding(_ indices: IntTensor, weight: Tensor, paddingIndex: Int? = nil) -> Tensor {
    require(weight.rank == 2, "embedding: weight must be [numEmbeddings, embeddingDim], got \(weight.shape)")
    let rows = weight.shape[0], dim = weight.shape[1]
    let ids = indices.scalars
    if let bad = ids.first(where: { $0 < 0 || $0 >= rows }) {
        requireFailure("embedding: index \(bad) is out of range for \(rows) embeddings (valid: 0..<\(rows))")
    }
    let table = weight.contiguous()
    let y = table.withUnsafeBufferPointer { src in
        Tensor(shape: indices.shape + [dim]) { out in
            for (k, i) in ids.enumerated() {
                for j in 0..<dim { out[k * dim + j] = src[i * dim + j] }
            }
        }
    }
    return y.recorded("embedding", inputs: [weight]) { g in
        // Scatter-add of the output rows into a zero table; the padding row stays zero.
        let gc = g.contiguous()
        let dw = gc.withUnsafeBufferPointer { gp in
            Tensor(shape: [rows, dim]) { dst in
                dst.initialize(repeating: 0)
                for (k, i) in ids.enumerated() where i != paddingIndex {
                    for j in 0..<dim { dst[i * dim + j] += gp[k * dim + j] }
                }
            }
        }
        return [dw]
    }
}
