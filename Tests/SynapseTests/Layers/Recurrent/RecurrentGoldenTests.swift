import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseNN

/// `RNN`, `LSTM` and `GRU` against PyTorch (Fixtures/golden/manifest-rnn.json): each module is built
/// from the case's constructor call, the `param.*` tensors are loaded through `loadStateDict` (so the
/// PyTorch state-dict names must match exactly), and the outputs and the gradients of every input
/// (x, h0, c0) and every parameter — backpropagating all `upstream.*` tensors together — are
/// compared with the case's tolerance.
@Suite("Layers: recurrent vs PyTorch")
struct RecurrentGoldenTests {
    /// The constructor of a recurrent case: `torch.nn.LSTM(5, 7, num_layers=2, ...)`.
    struct Constructor {
        let kind: String
        let inputSize: Int
        let hiddenSize: Int
        let arguments: GoldenCallArguments

        init(_ call: String) throws {
            guard let open = call.firstIndex(of: "("), let close = call.lastIndex(of: ")") else { throw Golden.Failure("bad call \(call)") }
            kind = String(call[..<open].split(separator: ".").last ?? "")
            let positional = call[call.index(after: open)..<close].split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.contains("=") }.compactMap { Int($0) }
            guard positional.count == 2 else { throw Golden.Failure("expected input and hidden sizes in \(call)") }
            (inputSize, hiddenSize) = (positional[0], positional[1])
            arguments = GoldenCallArguments(call: call)
        }

        func int(_ key: String) throws -> Int {
            guard let s = arguments.values[key], let v = Int(s) else { throw Golden.Failure("no integer argument '\(key)' in \(arguments.call)") }
            return v
        }

        /// The Synapse module the call describes.
        func make() throws -> RNNBase {
            let layers = try int("num_layers"), bias = try arguments.bool("bias")
            let batchFirst = try arguments.bool("batch_first"), bidirectional = try arguments.bool("bidirectional")
            let dropout = try arguments.float("dropout")
            let g = RandomGenerator(seed: 7)
            switch kind {
            case "RNN":
                let nl: RNNNonlinearity = try arguments.string("nonlinearity") == "relu" ? .relu : .tanh
                return RNN(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: layers, nonlinearity: nl, bias: bias,
                           batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, generator: g)
            case "LSTM":
                #expect(try int("proj_size") == 0)
                return LSTM(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: layers, bias: bias,
                            batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, generator: g)
            case "GRU":
                return GRU(inputSize: inputSize, hiddenSize: hiddenSize, numLayers: layers, bias: bias,
                           batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional, generator: g)
            default:
                throw Golden.Failure("unknown recurrent module \(kind)")
            }
        }
    }

    @Test("golden", arguments: ["rnn_tanh_2layer", "lstm_bidir_2layer", "gru"])
    func golden(_ name: String) throws {
        let c = try GoldenManifest.bundled.get().case(name)
        let archive = try SafeTensorsArchive(contentsOf: try Golden.fixtureURL(c.file))
        let module = try Constructor(c.call).make()
        module.train()

        // Parameters: the case's names must be exactly the module's, in the same order.
        let params = (c.params ?? []).map { String($0.dropFirst("param.".count)) }
        #expect(module.namedParameters().map(\.0) == params, "\(name): parameter names differ from PyTorch's state_dict")
        var state: [String: Tensor] = [:]
        for p in params { state[p] = try archive.tensor("param.\(p)") }
        try module.loadStateDict(state)

        var inputs: [String: Tensor] = [:]
        for full in c.inputs { inputs[String(full.dropFirst("input.".count))] = try archive.tensor(full).requiringGrad() }
        let x = try #require(inputs["x"])

        var outputs: [String: Tensor] = [:]
        switch module {
        case let m as RNN:
            let r = m(x, inputs["h0"])
            outputs = ["output": r.output, "h_n": r.hN]
        case let m as GRU:
            let r = m(x, inputs["h0"])
            outputs = ["output": r.output, "h_n": r.hN]
        case let m as LSTM:
            let state = inputs["h0"].map { h0 in (h0: h0, c0: inputs["c0"]!) }
            let r = m(x, state)
            outputs = ["output": r.output, "h_n": r.hN, "c_n": r.cN]
        default:
            Issue.record("unexpected module type")
        }
        #expect(Set(outputs.keys) == Set(c.outputs.map { String($0.dropFirst("output.".count)) }))

        let tol = c.tolerance
        for full in c.outputs {
            let y = try #require(outputs[String(full.dropFirst("output.".count))])
            expectClose(y, try archive.tensor(full), rtol: tol.rtol, atol: tol.atol, "\(name) \(full)")
        }

        // Without a tape, `linear` takes its inference kernels: the outputs must agree just the same.
        let inference: [String: Tensor] = withoutGradients {
            let x = x.detached(), h0 = inputs["h0"]?.detached(), c0 = inputs["c0"]?.detached()
            switch module {
            case let m as RNN: let r = m(x, h0); return ["output": r.output, "h_n": r.hN]
            case let m as GRU: let r = m(x, h0); return ["output": r.output, "h_n": r.hN]
            case let m as LSTM: let r = m(x, h0.map { ($0, c0!) }); return ["output": r.output, "h_n": r.hN, "c_n": r.cN]
            default: return [:]
            }
        }
        for full in c.outputs {
            let y = try #require(inference[String(full.dropFirst("output.".count))])
            #expect(!y.requiresGrad)
            expectClose(y, try archive.tensor(full), rtol: tol.rtol, atol: tol.atol, "\(name) \(full) (inference)")
        }

        let terms = try (c.upstream ?? []).map { full in
            (try #require(outputs[String(full.dropFirst("upstream.".count))]) * (try archive.tensor(full))).sum()
        }
        try #require(!terms.isEmpty)
        terms.dropFirst().reduce(terms[0], +).backward()

        let namedParams = Dictionary(uniqueKeysWithValues: module.namedParameters())
        let gradients = c.gradients ?? []
        #expect(gradients.count == inputs.count + params.count, "\(name): every input and parameter has a golden gradient")
        for full in gradients {
            let grad: Tensor?
            if full.hasPrefix("grad.input.") {
                grad = inputs[String(full.dropFirst("grad.input.".count))]?.grad
            } else {
                grad = namedParams[String(full.dropFirst("grad.param.".count))]?.grad
            }
            guard let grad else {
                Issue.record("\(name): \(full) was not computed")
                continue
            }
            expectClose(grad, try archive.tensor(full), rtol: tol.rtol, atol: tol.atol, "\(name) \(full)")
        }
    }
}
