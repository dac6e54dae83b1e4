import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseNN

/// `split` and `unbind` (views sharing one backward step, used by the recurrent layers for steps
/// and gates and by attention for query, key and value) against `slice` and `select`.
@Suite("Ops: split and unbind")
struct SplitTests {
    @Test("split: values and gradients equal those of slice, along every dimension")
    func splitMatchesSlice() {
        for dim in 0..<3 {
            let sizes = dim == 0 ? [1, 2, 1] : (dim == 1 ? [2, 1] : [1, 3, 1])
            let base = GradientInputs.normal([4, 3, 5], seed: UInt64(dim + 1))
            let weights = sizes.indices.map { GradientInputs.normal([1], seed: UInt64(10 + $0)) }
            func loss(_ pieces: [Tensor]) -> Tensor {
                // Uses piece 0 twice and skips the last piece, so unused regions must get zeros.
                let terms = [pieces[0] * weights[0], pieces[0] * pieces[0], pieces[1] * weights[1]].map { ($0 * $0).sum() }
                return terms[0] + terms[1] + terms[2]
            }
            let a = base.requiringGrad(), b = base.requiringGrad()
            let split = a.split(sizes, dim: dim)
            var start = 0
            let sliced = sizes.map { size in defer { start += size }; return b.slice(dim: dim, start: start, end: start + size) }
            #expect(split.map(\.scalars) == sliced.map(\.scalars) && split.map(\.shape) == sliced.map(\.shape))
            loss(split).backward()
            loss(sliced).backward()
            expectClose(a.grad!, b.grad!, rtol: 1e-6, atol: 1e-7, "split along \(dim)")
        }
    }

    @Test("unbind: slices of [T, ...] as tensors, gradients through every one, zeros for the unused")
    func unbindSteps() {
        let x = GradientInputs.normal([3, 2, 2], seed: 20).requiringGrad()
        let steps = x.unbind(dim: 0)
        #expect(steps.map(\.shape) == [[2, 2], [2, 2], [2, 2]])
        #expect(steps[2].scalars == x[2].scalars)
        (steps[0].sum() + (steps[2] * 3).sum()).backward()
        #expect(x.grad!.scalars == [Float](repeating: 1, count: 4) + [Float](repeating: 0, count: 4) + [Float](repeating: 3, count: 4))
        // Without gradients: plain views.
        let y = GradientInputs.normal([2, 3], seed: 21).unbind(dim: 0)
        #expect(y.allSatisfy { !$0.requiresGrad } && y.map(\.shape) == [[3], [3]])
    }

    @Test("unbind of a permuted view (attention's packed q, k, v) equals select, values and gradients")
    func unbindMatchesSelectOnAPermutedView() {
        let base = GradientInputs.normal([2, 5, 3, 2, 4], seed: 30)
        let a = base.requiringGrad(), b = base.requiringGrad()
        func pieces(_ t: Tensor, _ useUnbind: Bool) -> [Tensor] {
            let packed = t.permuted([2, 0, 3, 1, 4])   // [3, B, heads, T, d]
            return useUnbind ? packed.unbind(dim: 0) : (0..<3).map { packed.select(dim: 0, index: $0) }
        }
        func loss(_ p: [Tensor]) -> Tensor { (matmul(softmax(matmul(p[0], p[1].transposed(-2, -1)), dim: -1), p[2]) * p[0]).sum() }
        let (u, s) = (pieces(a, true), pieces(b, false))
        #expect(u.map(\.shape) == s.map(\.shape) && u.map(\.scalars) == s.map(\.scalars))
        loss(u).backward()
        loss(s).backward()
        expectClose(a.grad!, b.grad!, rtol: 1e-5, atol: 1e-6, "unbind vs select")
    }

    @Test("the gradient of a dense permuted input keeps its layout (no copy back through permute and reshape)")
    func gradientKeepsTheInputsLayout() {
        // A leaf with permuted strides: its gradient is stored as the hub returns it.
        let x = GradientInputs.normal([4, 3, 2], seed: 40).permuted([1, 2, 0]).detached().requiringGrad()
        #expect(!x.isContiguous)
        let parts = x.unbind(dim: 1)
        (parts[0] * 2 + parts[1]).sum().backward()
        #expect(x.grad!.strides == x.strides)
        #expect(x.grad!.scalars == (0..<24).map { Float(($0 / 4) % 2 == 0 ? 2 : 1) })
        // A gapped view has no dense layout: its gradient is contiguous.
        let y = GradientInputs.normal([4, 6], seed: 41).slice(dim: 1, start: 0, end: 6, step: 2).detached().requiringGrad()
        y.split([1, 2], dim: 1)[1].sum().backward()
        #expect(y.grad!.isContiguous && y.grad!.scalars == (0..<12).map { Float($0 % 3 == 0 ? 0 : 1) })
    }
}
