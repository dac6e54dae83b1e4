import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseNN

/// A module golden case of `Fixtures/golden/manifest-norm.json`: loads the PyTorch parameters
/// (`param.*`) and buffers (`buffer.*`) into a module through `loadStateDict` (so the state-dict
/// names must be PyTorch's), sets the case's `mode`, and compares the forward output, the buffers
/// after the forward pass (`buffer_after.*`) and the gradients of the input and of every parameter
/// (`grad.input.*`, `grad.param.*`) after backpropagating `upstream.y`, with the case's tolerance.
struct ModuleGoldenCase {
    /// The fields of a module case that `GoldenManifest.Case` does not decode.
    private struct Extra: Decodable {
        struct Entry: Decodable {
            let name: String
            let mode: String?
            let forward: String?
            enum CodingKeys: String, CodingKey { case name = "case", mode, forward }
        }
        let cases: [Entry]
    }

    let c: GoldenManifest.Case
    let archive: SafeTensorsArchive
    /// `train` or `eval`.
    let mode: String

    init(_ name: String) throws {
        c = try GoldenManifest.bundled.get().case(name)
        archive = try SafeTensorsArchive(contentsOf: try Golden.fixtureURL(c.file))
        let extra = try JSONDecoder().decode(Extra.self, from: Data(contentsOf: try Golden.fixtureURL("manifest-norm.json")))
        guard let entry = extra.cases.first(where: { $0.name == name }), let mode = entry.mode else {
            throw Golden.Failure("case \(name) has no mode in manifest-norm.json")
        }
        self.mode = mode
    }

    /// Names after `prefix` of the case's tensors that start with it (e.g. `buffer_after.`).
    func names(withPrefix prefix: String) -> [String] {
        c.tensors.keys.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }.sorted()
    }

    /// Loads `param.*` and `buffer.*` into `module` (strict: the names must match exactly) and sets the mode.
    func prepare(_ module: Module) throws {
        var state: [String: Tensor] = [:]
        for name in names(withPrefix: "param.") { state[name] = try archive.tensor("param.\(name)") }
        for name in names(withPrefix: "buffer.") { state[name] = try archive.tensor("buffer.\(name)") }
        try module.loadStateDict(state, strict: true)
        module.train(mode == "train")
    }

    /// Checks `y` (the module's output for the case's input), the module's buffers, then backpropagates
    /// `upstream.y` and checks the gradients of `inputs` (by name, without `input.`) and of the parameters.
    func check(_ y: Tensor, module: Module, inputs: [String: Tensor],
               sourceLocation: SourceLocation = #_sourceLocation) throws {
        let tol = c.tolerance
        expectClose(y, try archive.tensor("output.y"), rtol: tol.rtol, atol: tol.atol, "\(c.name) output.y",
                    sourceLocation: sourceLocation)

        let buffers = Dictionary(uniqueKeysWithValues: module.namedBuffers().map { ($0.0, $0.1.value) })
        let expectedBuffers = names(withPrefix: "buffer_after.")
        #expect(Set(buffers.keys) == Set(expectedBuffers), "\(c.name): buffers", sourceLocation: sourceLocation)
        for name in expectedBuffers {
            guard let actual = buffers[name] else { continue }
            let full = "buffer_after.\(name)"
            if c.isInteger(full) {
                #expect(actual.scalars == (try archive.intTensor(full)).scalars.map(Float.init),
                        "\(c.name) \(full)", sourceLocation: sourceLocation)
            } else {
                expectClose(actual, try archive.tensor(full), rtol: tol.rtol, atol: tol.atol, "\(c.name) \(full)",
                            sourceLocation: sourceLocation)
            }
        }

        y.backward(try archive.tensor("upstream.y"))
        var produced: [String: Tensor?] = [:]
        for (name, x) in inputs { produced["grad.input.\(name)"] = x.grad }
        for (name, p) in module.namedParameters() { produced["grad.param.\(name)"] = p.grad }
        #expect(Set(produced.keys) == Set(c.gradients ?? []), "\(c.name): gradients", sourceLocation: sourceLocation)
        for full in c.gradients ?? [] {
            guard let grad = produced[full] ?? nil else {
                Issue.record("\(c.name): \(full) was not computed", sourceLocation: sourceLocation)
                continue
            }
            expectClose(grad, try archive.tensor(full), rtol: tol.rtol, atol: tol.atol, "\(c.name) \(full)",
                        sourceLocation: sourceLocation)
        }
    }
}
