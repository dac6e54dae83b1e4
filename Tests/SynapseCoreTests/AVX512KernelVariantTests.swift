import CKernels
import Foundation
import Testing
@testable import SynapseCore

/// The AVX-512 variants of the elementwise and language-model kernels compute the same per-element
/// arithmetic as the AVX2 ones: their outputs must be equal bit for bit (NaN, infinities, signed
/// zeros and subnormals included). On a CPU without AVX-512 both runs take the same path.
@Suite("Kernels: AVX-512 variants equal AVX2 bit for bit", .serialized)
struct AVX512KernelVariantTests {
    /// A sweep over the ranges the kernels branch on, plus special values, at a length with a tail.
    static let inputs: [Float] = {
        var xs = (0..<4_003).map { Float(-60) + Float(120) * Float($0) / 4_002 }
        xs += (0..<997).map { Float(-3) + Float(6) * Float($0) / 996 }
        xs += [.nan, .infinity, -.infinity, 0, -0.0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
               .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 88.7, -87.4, 1e-30, 0.625, -0.625]
        return xs
    }()

    /// `body` run with the AVX-512 variants off, then on (where the CPU has them), as bit patterns.
    static func bothVariants(_ body: () -> [Float]) -> (avx2: [UInt32], avx512: [UInt32]) {
        _ = syn_kernels_set_avx512(0)
        let off = body().map(\.bitPattern)
        _ = syn_kernels_set_avx512(1)
        let on = body().map(\.bitPattern)
        return (off, on)
    }

    static let ops: [syn_unary_op] = [SYN_EXP, SYN_LOG, SYN_SQRT, SYN_TANH, SYN_SIGMOID, SYN_RELU, SYN_ABS, SYN_NEG,
                                      SYN_LEAKY_RELU, SYN_ELU, SYN_SELU, SYN_SILU, SYN_SOFTPLUS, SYN_GELU_ERF,
                                      SYN_GELU_TANH, SYN_SQUARE, SYN_RECIPROCAL]

    @Test("syn_unary and syn_unary_backward, every op")
    func unaryOps() {
        let x = Self.inputs, n = x.count
        let dy = (0..<n).map { Float(($0 % 7) - 3) * 0.37 }
        for op in Self.ops {
            let (a, b): (Float, Float) = op == SYN_SOFTPLUS ? (1, 20) : (0.1, 0)
            let forward = Self.bothVariants {
                var y = [Float](repeating: 0, count: n)
                syn_unary(op, x, &y, n, a, b)
                return y
            }
            #expect(forward.avx2 == forward.avx512, "forward of op \(op.rawValue)")
            let backward = Self.bothVariants {
                var y = [Float](repeating: 0, count: n), dx = [Float](repeating: 0, count: n)
                syn_unary(op, x, &y, n, a, b)
                syn_unary_backward(op, x, y, dy, &dx, n, a, b)
                return dx
            }
            #expect(backward.avx2 == backward.avx512, "backward of op \(op.rawValue)")
        }
    }

    @Test("LSTM cell forward and backward, causal softmax forward and backward")
    func languageModelKernels() {
        let (n, hs) = (3, 37)
        func values(_ count: Int, _ seed: Int) -> [Float] { (0..<count).map { Self.inputs[($0 * 131 + seed * 17) % 5_000] * 0.2 } }
        let gx = values(n * 4 * hs, 1), hw = values(n * 4 * hs, 2), cPrev = values(n * hs, 3), dh = values(n * hs, 4)
        let dhOut = values(n * hs, 8)
        let lstm = Self.bothVariants {
            var gates = [Float](repeating: 0, count: n * 4 * hs), c = [Float](repeating: 0, count: n * hs)
            var tanhC = c, h = c, dc = values(n * hs, 5), dgates = gates
            syn_lstm_cell_forward(gx, hw, &gates, cPrev, &c, &tanhC, &h, n, hs)
            syn_lstm_cell_backward(gates, cPrev, tanhC, dh, dhOut, &dc, &dgates, n, hs)
            return gates + c + tanhC + h + dc + dgates
        }
        #expect(lstm.avx2 == lstm.avx512)
        let (stack, q, cols) = (2, 19, 19)
        let scores = values(stack * q * cols, 6), dy = values(stack * q * cols, 7)
        let softmax = Self.bothVariants {
            var y = [Float](repeating: 0, count: scores.count), dx = y
            syn_softmax_causal_rows(scores, &y, 0, stack * q, q, cols, 0.3)
            syn_softmax_causal_rows_backward(y, dy, &dx, 0, stack * q, q, cols, 0.3)
            return y + dx
        }
        #expect(softmax.avx2 == softmax.avx512)
    }
}
