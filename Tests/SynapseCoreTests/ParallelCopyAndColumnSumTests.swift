import Testing
@testable import SynapseCore

/// The pool-split strided copy (`contiguous()` of large views) and column sums (bias gradients):
/// both must give exactly what one thread computes — elements in row-major order, and each column
/// summed in row order from zero.
@Suite("Runtime: parallel strided copies and column sums")
struct ParallelCopyAndColumnSumTests {
    /// A [1, 40, 70, 33] tensor whose element i is distinct (so a misplaced element shows).
    static let base = Tensor(shape: [1, 40, 70, 33]) { b in for i in b.indices { b[i] = Float(i) } }

    @Test("contiguous() of large permuted and gapped views equals indexing element by element",
          arguments: [[0, 2, 1, 3], [0, 3, 2, 1], [2, 1, 0, 3], [1, 0, 3, 2]])
    func largePermutedCopies(permutation: [Int]) {
        let view = Self.base.permuted(permutation)
        #expect(view.count >= 4 * elementwiseGrain && !view.isContiguous)
        let source = Self.base.scalars, strides = ShapeMath.contiguousStrides(Self.base.shape)
        let shape = view.shape
        var expected: [Float] = []
        expected.reserveCapacity(view.count)
        for i0 in 0..<shape[0] { for i1 in 0..<shape[1] { for i2 in 0..<shape[2] { for i3 in 0..<shape[3] {
            let index = [i0, i1, i2, i3]
            var offset = 0
            for k in 0..<4 { offset += index[k] * strides[permutation[k]] }
            expected.append(source[offset])
        } } } }
        #expect(view.contiguous().scalars == expected)
    }

    @Test("contiguous() of a large slice with gaps, starting past a leading unit dimension")
    func largeGappedCopy() {
        let view = Self.base.slice(dim: 2, start: 3, end: 67).slice(dim: 3, start: 1, end: 32)
        var expected: [Float] = []
        for i1 in 0..<40 { for i2 in 3..<67 { for i3 in 1..<32 { expected.append(Float((i1 * 70 + i2) * 33 + i3)) } } }
        #expect(view.count >= 4 * elementwiseGrain)
        #expect(view.contiguous().scalars == expected)
    }

    @Test("sum over rows of a large matrix equals the row-order sum of each column, bit for bit",
          arguments: [(4_096, 1_024), (5_000, 37), (70_000, 3)])
    func columnSums(rows: Int, cols: Int) {
        let x = Tensor(shape: [rows, cols]) { b in for i in b.indices { b[i] = Float((i * 7_919) % 2_003) * 1e-3 - 1 } }
        let values = x.scalars
        var expected = [Float](repeating: 0, count: cols)
        for r in 0..<rows { for j in 0..<cols { expected[j] += values[r * cols + j] } }
        #expect(x.sum(dim: 0).scalars.map(\.bitPattern) == expected.map(\.bitPattern))
    }
}
