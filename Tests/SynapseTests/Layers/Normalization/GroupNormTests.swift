import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseNN

/// `GroupNorm` against PyTorch, finite differences, names and shape errors.
@Suite("Layers: GroupNorm")
struct GroupNormTests {
    @Test("golden: groupnorm output and gradients of x, weight, bias")
    func golden() throws {
        let g = try ModuleGoldenCase("groupnorm")
        // torch.nn.GroupNorm(2, 4, eps=1e-05, affine=True)
        let args = GoldenCallArguments(call: g.c.call)
        let positional = g.c.call.drop { $0 != "(" }.dropFirst().split(separator: ",").prefix(2)
            .compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        #expect(positional == [2, 4])
        let gn = GroupNorm(numGroups: positional[0], numChannels: positional[1], eps: try args.float("eps"),
                           affine: try args.bool("affine"))
        try g.prepare(gn)
        let x = try g.archive.tensor("input.x").requiringGrad()
        try g.check(gn(x), module: gn, inputs: ["x": x])
    }

    @Test("finite differences: x, weight, bias on [N, C, L]")
    func finiteDifferences() {
        let gn = GroupNorm(numGroups: 2, numChannels: 4)
        let inputs = [
            GradientInputs.normal([2, 4, 3], seed: 51),
            GradientInputs.normal([4], seed: 52),
            GradientInputs.normal([4], seed: 53),
        ]
        FiniteDifference.check("GroupNorm(2, 4)", inputs) { args in
            gn.weight!.value = args[1]
            gn.bias!.value = args[2]
            return gn(args[0])
        }
    }

    @Test("finite differences: x on [N, C] without affine (one group per channel pair)")
    func finiteDifferencesNoAffine() {
        let gn = GroupNorm(numGroups: 3, numChannels: 6, affine: false)
        FiniteDifference.check("GroupNorm(3, 6, affine: false)", [GradientInputs.normal([2, 6], seed: 54)]) { args in
            gn(args[0])
        }
    }

    @Test("statistics per (sample, group); the same in train and eval mode")
    func semantics() {
        let gn = GroupNorm(numGroups: 2, numChannels: 4)
        let x = Tensor.randn([3, 4, 5], generator: RandomGenerator(seed: 7)) * 4 + 3
        let y = gn(x)
        let grouped = y.reshaped([3, 2, 10])
        #expect(grouped.mean(dim: 2).scalars.allSatisfy { Swift.abs($0) < 1e-5 })
        #expect(grouped.variance(dim: 2, unbiased: false).scalars.allSatisfy { Swift.abs($0 - 1) < 1e-3 })
        gn.eval()
        #expect(gn(x).scalars == y.scalars)
    }

    @Test("state-dict names, and shape errors name the layer and both shapes")
    func namesAndShapes() {
        let gn = GroupNorm(numGroups: 2, numChannels: 4)
        #expect(gn.namedParameters().map(\.0) == ["weight", "bias"])
        #expect(gn.namedBuffers().isEmpty)
        #expect(GroupNorm(numGroups: 1, numChannels: 2, affine: false).stateDict().isEmpty)
        #expect(gn.shapeError([2, 4]) == nil && gn.shapeError([2, 4, 3, 3]) == nil)
        #expect(gn.shapeError([2, 3, 5]) == "GroupNorm(2, 4): expected input [N, 4, *], got [2, 3, 5]")
        #expect(gn.shapeError([4]) == "GroupNorm(2, 4): expected input [N, 4, *], got [4]")
    }
}
