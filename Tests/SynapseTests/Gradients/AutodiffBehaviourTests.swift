import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore

/// The autodiff tape's semantics: accumulation, clearing, detaching, no-grad mode, explicit
/// upstream gradients, and value semantics of tensors.
@Suite("Autodiff behaviour")
struct AutodiffBehaviourTests {
    @Test("two backward() calls add their gradients")
    func gradientsAccumulate() throws {
        let x = Tensor([1, 2, 3]).requiringGrad()
        (x * 2).sum().backward()
        #expect(try #require(x.grad).scalars == [2, 2, 2])
        (x * x).sum().backward()
        #expect(try #require(x.grad).scalars == [4, 6, 8])
    }

    @Test("zeroGrad clears the gradient; the next backward starts from zero")
    func zeroGradClears() throws {
        let x = Tensor([1, -2]).requiringGrad()
        (x * 3).sum().backward()
        #expect(x.grad != nil)
        x.zeroGrad()
        #expect(x.grad == nil)
        #expect(x.requiresGrad)
        (x * 5).sum().backward()
        #expect(try #require(x.grad).scalars == [5, 5])
    }

    @Test("copies of a tensor share its gradient")
    func copiesShareGradient() throws {
        let x = Tensor([1, 2]).requiringGrad()
        let copy = x
        (copy * 4).sum().backward()
        #expect(try #require(x.grad).scalars == [4, 4])
    }

    @Test("detached() blocks the gradient")
    func detachedBlocksGradient() throws {
        let x = Tensor([1, 2, 3]).requiringGrad()
        let d = x.detached()
        #expect(!d.requiresGrad)
        #expect(d.scalars == x.scalars)
        // y = stop(x)·x: only the second factor passes a gradient, d/dx = stop(x) = x.
        (d * x).sum().backward()
        #expect(try #require(x.grad).scalars == [1, 2, 3])
        // An expression built only from detached values is not on the tape.
        #expect(!(exp(d) + d).requiresGrad)
    }

    @Test("withoutGradients records nothing")
    func withoutGradientsRecordsNothing() {
        let x = Tensor([0.5, 1.5]).requiringGrad()
        #expect(GradMode.isEnabled)
        let (y, z, enabled) = withoutGradients { (x * 2 + 1, softmax(matmul(x.reshaped([1, 2]), x.reshaped([2, 1]))), GradMode.isEnabled) }
        #expect(!enabled)
        #expect(!y.requiresGrad)
        #expect(!z.requiresGrad)
        #expect(y.scalars == [2, 4])
        #expect(GradMode.isEnabled)
        #expect((x * 2).requiresGrad)
    }

    @Test("ops on constants do not require gradients; ops touching a leaf do")
    func requiresGradPropagation() {
        let c = Tensor([1, 2]), x = Tensor([3, 4]).requiringGrad()
        #expect(!(c + c).requiresGrad)
        #expect((c + x).requiresGrad)
        #expect((x.sum() * 0).requiresGrad)
    }

    @Test("backward with an explicit upstream gradient")
    func explicitUpstream() throws {
        let x = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]).requiringGrad()
        let y = x * x
        y.backward(Tensor(shape: [2, 2], scalars: [1, 0.5, -1, 0]))
        // d(x²)/dx · upstream = 2x · u
        #expect(try #require(x.grad).scalars == [2, 2, -6, 0])
        #expect(try #require(x.grad).shape == [2, 2])
    }

    @Test("backward of a scalar defaults to an upstream of 1")
    func scalarBackwardSeedsOne() throws {
        let x = Tensor([1, 2, 3]).requiringGrad()
        let y = (x * x).sum()
        #expect(y.shape == [])
        y.backward()
        #expect(try #require(x.grad).scalars == [2, 4, 6])
    }

    @Test("only leaves keep a gradient")
    func intermediatesKeepNoGradient() {
        let x = Tensor([1, 2]).requiringGrad()
        let h = exp(x)
        h.sum().backward()
        #expect(x.grad != nil)
        #expect(h.grad == nil)
    }

    @Test("mutating a copy leaves the original unchanged (copy-on-write)")
    func copyOnWrite() {
        let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        var b = a
        b.withUnsafeMutableBufferPointer { $0[0] = 100; $0[5] = -1 }
        #expect(a.scalars == [1, 2, 3, 4, 5, 6])
        #expect(b.scalars == [100, 2, 3, 4, 5, -1])

        // A view shares storage with its base; writing through a copy of the view must not leak back.
        let view = a.T
        var c = view
        c.withUnsafeMutableBufferPointer { $0[1] = 42 }
        #expect(a.scalars == [1, 2, 3, 4, 5, 6])
        #expect(view.scalars == [1, 4, 2, 5, 3, 6])
        #expect(c.scalars == [1, 42, 2, 5, 3, 6])

        // A uniquely referenced tensor is written in place and keeps its values elsewhere intact.
        var d = Tensor([7, 8, 9])
        d.withUnsafeMutableBufferPointer { $0[2] = 0 }
        #expect(d.scalars == [7, 8, 0])
    }

    @Test("gradient buffers are not aliased with user tensors")
    func gradientNotAliased() throws {
        let x = Tensor([1, 2]).requiringGrad()
        let upstream = Tensor([3, 4])
        x.backward(upstream)
        // Accumulating a second gradient must not write into `upstream`.
        x.backward(upstream)
        #expect(upstream.scalars == [3, 4])
        #expect(try #require(x.grad).scalars == [6, 8])
    }
}
