import Foundation
import Testing
@testable import Synapse
@testable import SynapseIO
@testable import SynapseNN
@testable import SynapseOptim

/// One optimizer case of the manifest and how to build the Synapse optimizer from its `call`.
struct OptimizerGoldenCase: Sendable, CustomTestStringConvertible {
    let name: String
    let make: @Sendable ([Parameter], GoldenCallArguments) throws -> any Optimizer
    var testDescription: String { name }
}

/// SGD, Adam (with and without AMSGrad) and AdamW against `torch.optim` over 5 steps
/// (Fixtures/golden/optim_*.safetensors). Hyper-parameters are parsed from the manifest's call.
@Suite("Optim: golden steps and state vs PyTorch")
struct OptimGoldenTests {
    static let cases: [OptimizerGoldenCase] = [
        OptimizerGoldenCase(name: "optim_sgd_plain", make: makeSGD),
        OptimizerGoldenCase(name: "optim_sgd_nesterov", make: makeSGD),
        OptimizerGoldenCase(name: "optim_adam", make: makeAdam),
        OptimizerGoldenCase(name: "optim_adam_amsgrad", make: makeAdam),
        OptimizerGoldenCase(name: "optim_adamw", make: makeAdamW),
        OptimizerGoldenCase(name: "optim_adagrad", make: makeAdagrad),
        OptimizerGoldenCase(name: "optim_rmsprop_momentum", make: makeRMSprop),
    ]

    static func makeSGD(_ params: [Parameter], _ a: GoldenCallArguments) throws -> any Optimizer {
        SGD(params, learningRate: try a.double("lr"), momentum: try a.double("momentum"), dampening: try a.double("dampening"),
            weightDecay: try a.double("weight_decay"), nesterov: try a.bool("nesterov"))
    }

    static func makeAdam(_ params: [Parameter], _ a: GoldenCallArguments) throws -> any Optimizer {
        Adam(params, learningRate: try a.double("lr"), betas: try a.doublePair("betas"), eps: try a.float("eps"),
             weightDecay: try a.double("weight_decay"), amsgrad: try a.bool("amsgrad"))
    }

    static func makeAdamW(_ params: [Parameter], _ a: GoldenCallArguments) throws -> any Optimizer {
        AdamW(params, learningRate: try a.double("lr"), betas: try a.doublePair("betas"), eps: try a.float("eps"),
              weightDecay: try a.double("weight_decay"), amsgrad: try a.bool("amsgrad"))
    }

    static func makeAdagrad(_ params: [Parameter], _ a: GoldenCallArguments) throws -> any Optimizer {
        Adagrad(params, learningRate: try a.double("lr"), lrDecay: try a.double("lr_decay"), weightDecay: try a.double("weight_decay"),
                initialAccumulatorValue: try a.double("initial_accumulator_value"), eps: try a.float("eps"))
    }

    static func makeRMSprop(_ params: [Parameter], _ a: GoldenCallArguments) throws -> any Optimizer {
        RMSprop(params, learningRate: try a.double("lr"), alpha: try a.double("alpha"), eps: try a.float("eps"),
                weightDecay: try a.double("weight_decay"), momentum: try a.double("momentum"), centered: try a.bool("centered"))
    }

    /// The PyTorch parameter order of every case: `torch.optim.X([w, b], ...)`.
    static let parameterNames = ["w", "b"]

    @Test("matches PyTorch", arguments: cases)
    func matchesPyTorch(_ oc: OptimizerGoldenCase) throws {
        let c = try GoldenManifest.bundled.get().case(oc.name)
        #expect(c.call.contains("([w, b],"), "parameter order in \(c.call)")
        let archive = try SafeTensorsArchive(contentsOf: try Golden.fixtureURL(c.file))
        let tol = c.tolerance
        let params = try Self.parameterNames.map { Parameter(try archive.tensor("param.\($0)")) }
        let optimizer = try oc.make(params, GoldenCallArguments(call: c.call))

        for k in 0..<5 {
            for (name, p) in zip(Self.parameterNames, params) { p.grad = try archive.tensor("grad_step\(k).\(name)") }
            optimizer.step()
            for (name, p) in zip(Self.parameterNames, params) {
                expectClose(p.value, try archive.tensor("params_step\(k).\(name)"), rtol: tol.rtol, atol: tol.atol,
                            "\(c.name) params_step\(k).\(name)")
            }
        }

        // Final state: "state_final.<param>.<key>" ↔ stateDict()["<index>.<key>"].
        let state = optimizer.stateDict()
        var expectedKeys = Set<String>()
        for full in c.stateFinal ?? [] {
            let parts = full.split(separator: ".", maxSplits: 2).map(String.init)  // state_final, param, key
            guard parts.count == 3, let index = Self.parameterNames.firstIndex(of: parts[1]) else {
                Issue.record("\(c.name): unexpected state tensor \(full)")
                continue
            }
            let key = "\(index).\(parts[2])"
            expectedKeys.insert(key)
            guard let actual = state[key] else {
                Issue.record("\(c.name): stateDict() has no '\(key)' (keys: \(state.keys.sorted()))")
                continue
            }
            expectClose(actual, try archive.tensor(full), rtol: tol.rtol, atol: tol.atol, "\(c.name) \(full)")
        }
        // Adam, Adagrad and RMSprop also record the step count, like PyTorch's state["step"].
        if optimizer is Adam || optimizer is Adagrad || optimizer is RMSprop {
            for i in params.indices {
                expectedKeys.insert("\(i).step")
                #expect(state["\(i).step"]?.item() == 5, "\(c.name): \(i).step = \(String(describing: state["\(i).step"]))")
            }
        }
        #expect(Set(state.keys) == expectedKeys, "\(c.name): stateDict keys \(state.keys.sorted()), expected \(expectedKeys.sorted())")
    }

    @Test("every optimizer case of the manifest is covered")
    func tableCoversOptimizerCases() throws {
        let manifest = try GoldenManifest.bundled.get()
        // The group also holds the gradient-clipping cases, tested in GradientClippingTests.
        let optimCases = Set(manifest.cases.filter { $0.group == "optimizer" && $0.name.hasPrefix("optim_") }.map(\.name))
        #expect(optimCases == Set(Self.cases.map(\.name)))
    }

    @Test("hyper-parameters parsed from the manifest")
    func parsedHyperParameters() throws {
        let sgd = try GoldenCallArguments(case: "optim_sgd_nesterov")
        #expect(try sgd.float("lr") == 0.1 && sgd.float("momentum") == 0.9 && sgd.float("weight_decay") == 0.01)
        #expect(try sgd.bool("nesterov") && sgd.float("dampening") == 0)
        let ams = try GoldenCallArguments(case: "optim_adam_amsgrad")
        #expect(try ams.pair("betas") == (0.9, 0.9) && ams.bool("amsgrad") && ams.float("eps") == 1e-8)
        let adamw = try GoldenCallArguments(case: "optim_adamw")
        #expect(try adamw.float("weight_decay") == 0.1 && adamw.float("lr") == 0.01)
        #expect(try GoldenManifest.bundled.get().case("optim_adamw").call.hasPrefix("torch.optim.AdamW("))
    }
}
