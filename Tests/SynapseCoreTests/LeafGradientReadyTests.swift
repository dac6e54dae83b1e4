import Testing
@testable import SynapseCore

/// `backward(leafGradientReady:)` reports each leaf once, as soon as its gradient is final (what
/// data-parallel training starts reducing), and never a leaf the pass does not reach.
@Suite struct LeafGradientReadyTests {
    @Test func eachLeafIsReportedOnceWithItsFinalGradient() {
        let x = Tensor(shape: [2, 3], scalars: [1, -2, 3, 0.5, 4, -1]).requiringGrad()
        let w = Tensor(shape: [3, 2], scalars: [0.1, 0.2, -0.3, 0.4, 0.5, -0.6]).requiringGrad()
        let b = Tensor([0.25, -0.75]).requiringGrad()
        let unused = Tensor([1, 2]).requiringGrad()
        // w is used twice (a tied weight): it is final only after both uses are through.
        let h = relu(matmul(x, w) + b)
        let loss = h.sum() + (w * w).sum()
        var reported: [ObjectIdentifier: [Float]] = [:]
        var order: [ObjectIdentifier] = []
        let leaves = [x, w, b, unused]
        loss.backward { leaf in
            order.append(leaf)
            let tensor = leaves.first { $0.autogradLeafIdentity == leaf }!
            reported[leaf] = tensor.grad!.scalars
        }
        #expect(order.count == 3 && Set(order).count == 3, "each reached leaf exactly once: \(order.count) reports")
        for t in [x, w, b] {
            let id = t.autogradLeafIdentity!
            #expect(reported[id] == t.grad!.scalars, "reported before its gradient was final")
        }
        #expect(reported[unused.autogradLeafIdentity!] == nil && unused.grad == nil)
    }

    @Test func gradientsAreTheSameWithOrWithoutTheHook() {
        func run(hooked: Bool) -> [Float] {
            let a = Tensor(shape: [4], scalars: [1, 2, 3, 4]).requiringGrad()
            let y = (a * a * a).sum() + a.sum()
            if hooked { y.backward { _ in } } else { y.backward() }
            return a.grad!.scalars
        }
        #expect(run(hooked: true) == run(hooked: false))
    }

    @Test func aTensorWithoutGradientHasNoLeafIdentity() {
        let plain = Tensor([1, 2])
        let leaf = plain.requiringGrad()
        #expect(plain.autogradLeafIdentity == nil)
        #expect(leaf.autogradLeafIdentity != nil && (leaf * 2).autogradLeafIdentity == nil)
        let copy = leaf
        #expect(copy.autogradLeafIdentity == leaf.autogradLeafIdentity)
    }
}
