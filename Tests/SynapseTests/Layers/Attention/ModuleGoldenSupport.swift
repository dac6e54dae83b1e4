import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseNN

/// Checks a module against a golden module case: loads every `param.*` tensor into `module` with a
/// strict `loadStateDict` (so the module's parameter names must equal PyTorch's state-dict keys),
/// runs `forward` on the case's inputs, compares every output, backpropagates all upstream tensors
/// together and compares the input and parameter gradients with the case's tolerance.
enum ModuleGolden {
    static func check(_ caseName: String, module: Module,
                      sourceLocation: SourceLocation = #_sourceLocation,
                      forward: (GoldenInputs) -> [String: Tensor]) throws {
        let c = try GoldenManifest.bundled.get().case(caseName)
        let archive = try SafeTensorsArchive(contentsOf: try Golden.fixtureURL(c.file))
        let tol = c.tolerance
        let gradients = c.gradients ?? []

        var state: [String: Tensor] = [:]
        for full in c.params ?? [] { state[String(full.dropFirst("param.".count))] = try archive.tensor(full) }
        try module.loadStateDict(state, strict: true)
        module.train()
        module.zeroGrad()

        var floats: [String: Tensor] = [:], ints: [String: IntTensor] = [:]
        for full in c.inputs {
            let name = String(full.dropFirst("input.".count))
            if c.isInteger(full) {
                ints[name] = try archive.intTensor(full)
            } else {
                let t = try archive.tensor(full)
                floats[name] = gradients.contains("grad.input.\(name)") ? t.requiringGrad() : t
            }
        }
        let inputs = GoldenInputs(caseName: c.name, floats: floats, ints: ints)
        let outputs = forward(inputs)
        #expect(Set(outputs.keys) == Set(c.outputs.map { String($0.dropFirst("output.".count)) }),
                "\(caseName): produced outputs \(outputs.keys.sorted())", sourceLocation: sourceLocation)
        for full in c.outputs {
            guard let y = outputs[String(full.dropFirst("output.".count))] else { continue }
            expectClose(y, try archive.tensor(full), rtol: tol.rtol, atol: tol.atol, "\(caseName) \(full)",
                        sourceLocation: sourceLocation)
        }

        var terms: [Tensor] = []
        for full in c.upstream ?? [] {
            guard let y = outputs[String(full.dropFirst("upstream.".count))] else { continue }
            terms.append((y * (try archive.tensor(full))).sum())
        }
        if !terms.isEmpty { terms.dropFirst().reduce(terms[0], +).backward() }

        let params = Dictionary(uniqueKeysWithValues: module.namedParameters())
        for full in gradients {
            let grad: Tensor?
            if full.hasPrefix("grad.input.") {
                grad = inputs.floats[String(full.dropFirst("grad.input.".count))]?.grad
            } else {
                grad = params[String(full.dropFirst("grad.param.".count))]?.grad
            }
            guard let grad else {
                Issue.record("\(caseName): \(full) was not computed", sourceLocation: sourceLocation)
                continue
            }
            expectClose(grad, try archive.tensor(full), rtol: tol.rtol, atol: tol.atol, "\(caseName) \(full)",
                        sourceLocation: sourceLocation)
        }
    }

    /// The keyword arguments of the case's constructor call.
    static func arguments(_ caseName: String) throws -> GoldenCallArguments { try GoldenCallArguments(case: caseName) }
}
