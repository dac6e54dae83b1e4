import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseNN

/// `Linear` against `torch.nn.Linear(6, 4)` (Fixtures/golden/linear.safetensors): the PyTorch
/// parameters are loaded into the layer, then the output and the gradients of the input, the weight
/// and the bias (backpropagating `upstream.y`) are compared with the case's tolerance.
@Suite("NN: Linear vs PyTorch and finite differences")
struct NNLinearTests {
    /// (in, out, bias) from the case's constructor call `torch.nn.Linear(6, 4, bias=True)`.
    static func constructorArguments(_ call: String) throws -> (Int, Int, Bool) {
        let args = GoldenCallArguments(call: call)
        guard let open = call.firstIndex(of: "("), let close = call.lastIndex(of: ")") else { throw Golden.Failure("bad call \(call)") }
        let positional = call[call.index(after: open)..<close].split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.contains("=") }.compactMap { Int($0) }
        guard positional.count == 2 else { throw Golden.Failure("expected two feature counts in \(call)") }
        return (positional[0], positional[1], (try? args.bool("bias")) ?? true)
    }

    @Test("golden: linear (parameters set through Parameter.value)")
    func goldenThroughParameters() throws {
        try checkGolden { layer, archive in
            layer.weight.value = try archive.tensor("param.weight")
            layer.bias!.value = try archive.tensor("param.bias")
        }
    }

    @Test("golden: linear (parameters set through loadStateDict)")
    func goldenThroughStateDict() throws {
        try checkGolden { layer, archive in
            let c = try GoldenManifest.bundled.get().case("linear")
            var state: [String: Tensor] = [:]
            for full in c.params ?? [] { state[String(full.dropFirst("param.".count))] = try archive.tensor(full) }
            #expect(Set(state.keys) == ["weight", "bias"])
            try layer.loadStateDict(state)
        }
    }

    private func checkGolden(_ load: (Linear, SafeTensorsArchive) throws -> Void,
                             sourceLocation: SourceLocation = #_sourceLocation) throws {
        let c = try GoldenManifest.bundled.get().case("linear")
        let archive = try SafeTensorsArchive(contentsOf: try Golden.fixtureURL(c.file))
        let (inFeatures, outFeatures, hasBias) = try Self.constructorArguments(c.call)
        #expect((inFeatures, outFeatures, hasBias) == (6, 4, true))
        let layer = Linear(inFeatures, outFeatures, bias: hasBias, generator: RandomGenerator(seed: 1))
        try load(layer, archive)
        // The case runs in train mode (no effect on Linear, but keep it faithful).
        layer.train()

        let x = try archive.tensor("input.x").requiringGrad()
        let y = layer(x)
        let tol = c.tolerance
        expectClose(y, try archive.tensor("output.y"), rtol: tol.rtol, atol: tol.atol, "linear output.y",
                    sourceLocation: sourceLocation)
        y.backward(try archive.tensor("upstream.y"))

        let grads: [(String, Tensor?)] = [
            ("grad.input.x", x.grad), ("grad.param.weight", layer.weight.grad), ("grad.param.bias", layer.bias?.grad),
        ]
        #expect(Set(grads.map(\.0)) == Set(c.gradients ?? []), sourceLocation: sourceLocation)
        for (name, grad) in grads {
            guard let grad else {
                Issue.record("linear: \(name) was not computed", sourceLocation: sourceLocation)
                continue
            }
            expectClose(grad, try archive.tensor(name), rtol: tol.rtol, atol: tol.atol, "linear \(name)",
                        sourceLocation: sourceLocation)
        }
    }

    @Test("finite differences: x, weight and bias (batched 3-D input)")
    func finiteDifferences() {
        let layer = Linear(6, 4, generator: RandomGenerator(seed: 2))
        let inputs = [
            GradientInputs.normal([2, 3, 6], seed: 31),
            GradientInputs.normal([4, 6], seed: 32),
            GradientInputs.normal([4], seed: 33),
        ]
        FiniteDifference.check("Linear(6, 4)", inputs) { args in
            layer.weight.value = args[1]
            layer.bias!.value = args[2]
            return layer(args[0])
        }
    }

    @Test("finite differences: no bias, 2-D input")
    func finiteDifferencesWithoutBias() {
        let layer = Linear(5, 3, bias: false, generator: RandomGenerator(seed: 3))
        FiniteDifference.check("Linear(5, 3, bias: false)",
                               [GradientInputs.normal([4, 5], seed: 34), GradientInputs.normal([3, 5], seed: 35)]) { args in
            layer.weight.value = args[1]
            return layer(args[0])
        }
    }
}
