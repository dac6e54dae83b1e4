import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseNN

/// `splitForRecurrence` (the O(size) replacement for slicing steps and gates) against `slice`.
@Suite("Layers: recurrent split")
struct RecurrentSplitTests {
    @Test("values and gradients equal those of slice, along every dimension")
    func matchesSlice() {
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
            let split = splitForRecurrence(a, dim: dim, sizes: sizes)
            var start = 0
            let sliced = sizes.map { size in defer { start += size }; return b.slice(dim: dim, start: start, end: start + size) }
            #expect(split.map(\.scalars) == sliced.map(\.scalars) && split.map(\.shape) == sliced.map(\.shape))
            loss(split).backward()
            loss(sliced).backward()
            expectClose(a.grad!, b.grad!, rtol: 1e-6, atol: 1e-7, "split along \(dim)")
        }
    }

    @Test("unbindTime: steps of [T, ...] as tensors, gradients through every step")
    func unbind() {
        let x = GradientInputs.normal([3, 2, 2], seed: 20).requiringGrad()
        let steps = unbindTime(x)
        #expect(steps.map(\.shape) == [[2, 2], [2, 2], [2, 2]])
        #expect(steps[2].scalars == x[2].scalars)
        (steps[0].sum() + (steps[2] * 3).sum()).backward()
        #expect(x.grad!.scalars == [Float](repeating: 1, count: 4) + [Float](repeating: 0, count: 4) + [Float](repeating: 3, count: 4))
        // Without gradients: plain views.
        let y = unbindTime(GradientInputs.normal([2, 3], seed: 21))
        #expect(y.allSatisfy { !$0.requiresGrad } && y.map(\.shape) == [[3], [3]])
    }
}
