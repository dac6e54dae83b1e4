/// The pattern of a sparse matrix `[rows, columns]` in compressed sparse row (CSR) form, built from
/// coordinate (COO) entries — a graph's adjacency, whose row i lists the edges arriving at node i.
/// The values live apart, as a `Tensor` of one value per entry in the COO order the pattern was
/// built from (so they line up with an edge list and can be learned: `matmul(_:values:)` is
/// differentiable in them).
public struct SparseMatrix: Sendable, Equatable {
    /// Rows.
    public let rows: Int
    /// Columns.
    public let columns: Int
    /// Where each row's entries start in `columnIndices` (`rows + 1` offsets, the last = entries).
    public let rowPointers: [Int]
    /// The column of each entry, row by row (within a row, in COO order).
    public let columnIndices: [Int]
    /// For each CSR entry, its position in the COO entries (and so in the values tensor).
    public let entryOrder: [Int]

    /// The pattern with entry e at (`rowIndices[e]`, `columnIndices[e]`). Repeated coordinates stay
    /// separate entries (their products add up, as PyTorch's uncoalesced sparse tensors do).
    /// Stops with a message when the lists differ in length or a coordinate lies outside the shape.
    public init(rows: Int, columns: Int, rowIndices: [Int], columnIndices: [Int]) {
        require(rows >= 0 && columns >= 0, "SparseMatrix: negative shape [\(rows), \(columns)]")
        require(rowIndices.count == columnIndices.count,
                "SparseMatrix: \(rowIndices.count) row indices but \(columnIndices.count) column indices")
        if let e = rowIndices.indices.first(where: { !(0..<rows).contains(rowIndices[$0]) || !(0..<columns).contains(columnIndices[$0]) }) {
            requireFailure("SparseMatrix: entry \(e) at (\(rowIndices[e]), \(columnIndices[e])) is outside [\(rows), \(columns)]")
        }
        var pointers = [Int](repeating: 0, count: rows + 1)
        for r in rowIndices { pointers[r + 1] += 1 }
        for r in 0..<rows { pointers[r + 1] += pointers[r] }
        var next = Array(pointers.dropLast())
        var order = [Int](repeating: 0, count: rowIndices.count), cols = [Int](repeating: 0, count: rowIndices.count)
        for (e, r) in rowIndices.enumerated() {
            order[next[r]] = e
            cols[next[r]] = columnIndices[e]
            next[r] += 1
        }
        self.rows = rows
        self.columns = columns
        self.rowPointers = pointers
        self.columnIndices = cols
        self.entryOrder = order
    }

    /// Stored entries.
    public var entryCount: Int { columnIndices.count }

    /// The dense matrix with `values` (one per entry, COO order) at its entries, repeated
    /// coordinates summed. For tests and small graphs.
    public func dense(values: Tensor) -> Tensor {
        require(values.shape == [entryCount], "SparseMatrix.dense: values \(values.shape) for \(entryCount) entries")
        let v = values.contiguous().scalars
        var out = [Float](repeating: 0, count: rows * columns)
        for r in 0..<rows {
            for k in rowPointers[r]..<rowPointers[r + 1] { out[r * columns + columnIndices[k]] += v[entryOrder[k]] }
        }
        return Tensor(shape: [rows, columns], scalars: out)
    }
}

extension SparseMatrix {
    /// The product A·X of this matrix, holding `values` ([entries], COO order), with a dense `x`
    /// ([columns, F]): row i of the result is Σ over the entries (i, j) of value · x[j]. For an
    /// adjacency whose rows are the edges' targets and columns their sources this is one round of
    /// message passing with weighted sum aggregation (GCN's Â·X). Differentiable in `x` (Aᵀ·g) and
    /// in `values` (g[i]·x[j] per entry). Rows run in parallel.
    public func matmul(_ x: Tensor, values: Tensor) -> Tensor {
        require(x.rank == 2 && x.shape[0] == columns,
                "SparseMatrix.matmul: a [\(rows), \(columns)] matrix cannot multiply \(x.shape)")
        require(values.shape == [entryCount],
                "SparseMatrix.matmul: values \(values.shape) do not match the \(entryCount) entries of the matrix")
        let features = x.shape[1]
        let xc = x.contiguous(), vc = values.contiguous()
        let (pointers, cols, order) = (rowPointers, columnIndices, entryOrder)
        let xp = SendablePointer(xc.basePointer), vp = SendablePointer(vc.basePointer)
        let y = withExtendedLifetime((xc, vc)) {
            Tensor.produce([rows, features]) { out in
                let op = SendablePointer(out)
                ThreadPool.shared.parallelFor(rows, grain: Swift.max(1, elementwiseGrain / Swift.max(features, 1))) { range in
                    for r in range {
                        let o = op.pointer + r * features
                        o.initialize(repeating: 0, count: features)
                        for k in pointers[r]..<pointers[r + 1] {
                            let v = vp.pointer[order[k]], src = xp.pointer + cols[k] * features
                            for t in 0..<features { o[t] += v * src[t] }
                        }
                    }
                }
            }
        }
        let (needX, needValues) = (x.node != nil, values.node != nil)
        return y.recorded("sparseMatmul", inputs: [x, values]) { g in
            let gs = g.contiguous().scalars, xs = xc.scalars, vs = vc.scalars
            var dx: Tensor? = nil, dv: Tensor? = nil
            if needX {
                // Aᵀ·g: each entry (i, j) sends value · g[i] back to row j.
                var out = [Float](repeating: 0, count: self.columns * features)
                for r in 0..<self.rows {
                    for k in pointers[r]..<pointers[r + 1] {
                        let v = vs[order[k]], c = cols[k]
                        for t in 0..<features { out[c * features + t] += v * gs[r * features + t] }
                    }
                }
                dx = Tensor(shape: [self.columns, features], scalars: out)
            }
            if needValues {
                var out = [Float](repeating: 0, count: order.count)
                for r in 0..<self.rows {
                    for k in pointers[r]..<pointers[r + 1] {
                        var dot: Float = 0
                        for t in 0..<features { dot += gs[r * features + t] * xs[cols[k] * features + t] }
                        out[order[k]] = dot
                    }
                }
                dv = Tensor(shape: [order.count], scalars: out)
            }
            return [dx, dv]
        }
    }
}
