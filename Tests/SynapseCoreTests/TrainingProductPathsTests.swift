import Testing
@testable import SynapseCore

/// The product paths taken while training: `linear`'s forward product on a oneDNN primitive with the
/// bias as a post-op, and batched `matmul` handing whole products to threads. Both must equal the
/// plain one-product-at-a-time sgemm results (up to summation order) in values and gradients.
@Suite("Ops: training product paths")
struct TrainingProductPathsTests {
    @Test("linear while recording equals matmul + bias, with plain and transposed weights, values and gradients")
    func recordedLinearMatchesMatmulPlusBias() {
        let g = RandomGenerator(seed: 71)
        for (rows, inF, outF, transposedWeight) in [(37, 19, 23, false), (64, 128, 384, false), (5, 8, 3, true)] {
            let x0 = Tensor.randn([rows, inF], generator: g), b0 = Tensor.randn([outF], generator: g)
            let w0 = transposedWeight ? Tensor.randn([inF, outF], generator: g).T : Tensor.randn([outF, inF], generator: g)
            let upstream = Tensor.randn([rows, outF], generator: g)
            let (x1, w1, b1) = (x0.requiringGrad(), w0.requiringGrad(), b0.requiringGrad())
            let y1 = linear(x1, weight: w1, bias: b1)
            (y1 * upstream).sum().backward()
            let (x2, w2, b2) = (x0.requiringGrad(), w0.requiringGrad(), b0.requiringGrad())
            let y2 = matmul(x2, w2.T) + b2
            (y2 * upstream).sum().backward()
            let label = "[\(rows), \(inF)] → \(outF)\(transposedWeight ? ", transposed W" : "")"
            #expect(y1.isClose(to: y2, rtol: 1e-5, atol: 1e-4), "\(label): values")
            #expect(x1.grad!.isClose(to: x2.grad!, rtol: 1e-5, atol: 1e-4), "\(label): input gradient")
            #expect(w1.grad!.isClose(to: w2.grad!, rtol: 1e-5, atol: 1e-4), "\(label): weight gradient")
            #expect(b1.grad!.isClose(to: b2.grad!, rtol: 1e-5, atol: 1e-4), "\(label): bias gradient")
        }
    }

    @Test("batched matmul with broadcast batch dimensions equals each product on its own")
    func batchedProductsEqualEachProduct() {
        let g = RandomGenerator(seed: 72)
        // 3·5 = 15 products: split unevenly across two threads; b broadcasts over the first dimension.
        let a = Tensor.randn([3, 5, 6, 4], generator: g), b = Tensor.randn([1, 5, 4, 7], generator: g)
        let y = matmul(a, b)
        #expect(y.shape == [3, 5, 6, 7])
        for i in 0..<3 {
            for j in 0..<5 {
                let expected = matmul(a.select(dim: 0, index: i).select(dim: 0, index: j), b.select(dim: 0, index: 0).select(dim: 0, index: j))
                #expect(y.select(dim: 0, index: i).select(dim: 0, index: j).isClose(to: expected, rtol: 1e-6, atol: 1e-6), "product (\(i), \(j))")
            }
        }
        // Transposed operands (attention's q·kᵀ) over 64 products.
        let q = Tensor.randn([4, 16, 9, 8], generator: g), k = Tensor.randn([4, 16, 9, 8], generator: g)
        let scores = matmul(q, k.transposed(-2, -1))
        let one = matmul(q.select(dim: 0, index: 3).select(dim: 0, index: 11), k.select(dim: 0, index: 3).select(dim: 0, index: 11).T)
        #expect(scores.select(dim: 0, index: 3).select(dim: 0, index: 11).isClose(to: one, rtol: 1e-6, atol: 1e-6))
    }
}
