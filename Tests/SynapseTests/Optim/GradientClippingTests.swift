import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseNN
@testable import SynapseOptim

@Suite("Optim: gradient clipping and weight penalties")
struct GradientClippingTests {
    @Test("clip_grad_norm matches PyTorch", arguments: ["clip_grad_norm", "clip_grad_norm_noclip"])
    func golden(_ name: String) throws {
        let c = try GoldenManifest.bundled.get().case(name)
        let args = GoldenCallArguments(call: c.call)
        let archive = try SafeTensorsArchive(contentsOf: try Golden.fixtureURL(c.file))
        let params = try ["w", "b"].map { n -> Parameter in
            let p = Parameter(Tensor.zeros(try archive.tensor("grad_before.\(n)").shape))
            p.grad = try archive.tensor("grad_before.\(n)")
            return p
        }
        let total = GradientClipping.clipByNorm(params, maxNorm: Double(try args.float("max_norm")),
                                                normType: Double(try args.float("norm_type")))
        let tol = c.tolerance
        expectClose(Tensor(Float(total)), try archive.tensor("output.total_norm"), rtol: tol.rtol, atol: tol.atol, "\(name) total_norm")
        for (n, p) in zip(["w", "b"], params) {
            expectClose(try #require(p.grad), try archive.tensor("grad_after.\(n)"), rtol: tol.rtol, atol: tol.atol, "\(name) grad_after.\(n)")
        }
    }

    @Test("norms of other orders, clipping by value, parameters without gradients skipped")
    func normsAndValues() throws {
        let a = Parameter(Tensor([3, -4])), b = Parameter(Tensor([1])), none = Parameter(Tensor([100]))
        a.grad = Tensor([3, -4]); b.grad = Tensor([-12])
        #expect(GradientClipping.totalNorm([a, b, none]) == 13)
        #expect(GradientClipping.totalNorm([a, b], normType: 1) == 19)
        #expect(GradientClipping.totalNorm([a, b], normType: .infinity) == 12)
        GradientClipping.clipByValue([a, b, none], maxValue: 3.5)
        #expect(a.grad?.scalars == [3, -3.5] && b.grad?.scalars == [-3.5] && none.grad == nil)
    }

    @Test("L1/L2 penalty: gradient form equals the differentiated penalty")
    func penalty() throws {
        let penalty = WeightPenalty(l1: 0.3, l2: 0.2)
        let p = Parameter(Tensor([1.5, -2, 0.5]))
        penalty.penalty([p]).backward()
        let viaTape = try #require(p.grad)
        let q = Parameter(Tensor([1.5, -2, 0.5]))
        q.grad = Tensor.zeros([3])
        penalty.addGradients(to: [q])
        expectClose(try #require(q.grad), viaTape, rtol: 1e-6, atol: 1e-7, "penalty gradient")
        #expect(Swift.abs(penalty.penalty([q]).item() - (0.3 * 4 + 0.1 * (2.25 + 4 + 0.25))) < 1e-6)
    }
}
