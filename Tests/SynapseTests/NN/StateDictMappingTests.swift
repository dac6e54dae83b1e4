import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseNN

/// Swift names that differ from the checkpoint's: a wrapper and an override.
private final class Renamed: Module {
    @StateName("conv_layers") var convLayers = [Linear(2, 3), Linear(3, 1)]
    let headLayer = Linear(1, 1)
    override func stateDictName(forProperty name: String) -> String { name == "headLayer" ? "head_layer" : name }
}

private final class Net: Module {
    let fc1 = Linear(4, 8)
    let fc2 = Linear(8, 2)
}

private func moduleError(_ body: () throws -> Void) -> ModuleError? {
    do { try body(); return nil } catch let e as ModuleError { return e } catch {
        Issue.record("expected a ModuleError, got \(type(of: error)): \(error)")
        return nil
    }
}

/// A state dict of `model` with every key prefixed and every value constant `fill`.
private func state(of model: Module, prefix: String = "", fill: Float) -> [String: Tensor] {
    Dictionary(uniqueKeysWithValues: model.stateDict().map { (prefix + $0.key, Tensor.full($0.value.shape, fill)) })
}

@Suite("State dicts: names, key mapping, strict and non-strict loading")
struct StateDictMappingTests {
    @Test func stateNamesIndependentOfSwiftNames() throws {
        let model = Renamed()
        #expect(model.namedParameters().map(\.0) == ["conv_layers.0.weight", "conv_layers.0.bias", "conv_layers.1.weight",
                                                     "conv_layers.1.bias", "head_layer.weight", "head_layer.bias"])
        try model.loadStateDict(state(of: Renamed(), fill: 0.5))
        #expect(model.convLayers[0].weight.value.scalars == [Float](repeating: 0.5, count: 6))
        #expect(model.headLayer.bias!.value.scalars == [0.5])
    }

    @Test func mappingRulesRenameAndDrop() throws {
        let model = Net()
        var checkpoint = state(of: model, prefix: "module.bert.", fill: 0.25)
        checkpoint["module.pooler.dense.weight"] = Tensor.zeros([3, 3])
        let result = try model.loadStateDict(checkpoint, mapping: [.stripPrefix("module."), .replacePrefix("bert.", with: ""),
                                                                   .drop(prefix: "pooler.")])
        #expect(result.isEmpty)
        #expect(model.fc2.bias!.value.scalars == [0.25, 0.25])
        let renamed = try Net().loadStateDict(state(of: model, prefix: "", fill: 1).reduce(into: [:]) {
            $0[$1.key.replacingOccurrences(of: "fc", with: "layer.")] = $1.value
        }, mapping: [.regex(#"^layer\.(\d)\."#, with: "fc$1.")])
        #expect(renamed.isEmpty)
        #expect(StateDictKeyRule.map("a.gamma", through: [.replace(".gamma", with: ".weight")]) == "a.weight")
    }

    @Test func nonStrictReturnsIncompatibleKeys() throws {
        let model = Net(), before = model.fc1.weight.value.scalars
        var checkpoint = state(of: model, fill: 2)
        checkpoint["fc1.weight"] = nil
        checkpoint["fc3.weight"] = Tensor.zeros([1])
        let result = try model.loadStateDict(checkpoint, strict: false, keyMap: { $0 == "fc2.bias" ? nil : $0 })
        #expect(result == IncompatibleKeys(missingKeys: ["fc1.weight", "fc2.bias"], unexpectedKeys: ["fc3.weight"]))
        #expect(model.fc1.weight.value.scalars == before)
        #expect(model.fc1.bias!.value.scalars == [Float](repeating: 2, count: 8))
    }

    @Test func strictErrorsListEveryProblem() {
        let model = Net(), before = model.stateDict()
        var checkpoint = state(of: model, fill: 3)
        checkpoint["fc1.weight"] = nil
        checkpoint["fc2.weight"] = nil
        checkpoint["extra.a"] = Tensor.zeros([1])
        checkpoint["extra.b"] = Tensor.zeros([1])
        #expect(moduleError { try model.loadStateDict(checkpoint) }
                == .keyMismatch(missing: ["fc1.weight", "fc2.weight"], unexpected: ["extra.a", "extra.b"]))
        checkpoint["fc1.bias"] = Tensor.zeros([4])
        checkpoint["fc2.bias"] = Tensor.zeros([3])
        let error = moduleError { try model.loadStateDict(checkpoint) }
        #expect(error == .incompatible(IncompatibleKeys(
            missingKeys: ["fc1.weight", "fc2.weight"], unexpectedKeys: ["extra.a", "extra.b"],
            shapeMismatches: [.init(name: "fc1.bias", expected: [8], actual: [4]), .init(name: "fc2.bias", expected: [2], actual: [3])])))
        for name in ["fc1.weight", "fc2.weight", "extra.a", "extra.b", "fc1.bias", "fc2.bias"] {
            #expect(error?.description.contains(name) == true, "\(name) missing from the message")
        }
        // Shapes are checked without `strict` too, and every mismatch is reported.
        #expect(moduleError { try model.loadStateDict(checkpoint, strict: false) } == .incompatible(IncompatibleKeys(
            shapeMismatches: [.init(name: "fc1.bias", expected: [8], actual: [4]), .init(name: "fc2.bias", expected: [2], actual: [3])])))
        #expect(model.stateDict().mapValues(\.scalars) == before.mapValues(\.scalars))
    }

    @Test func safetensorsLoadAcceptsMapping() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.file("dataparallel.safetensors")
        try SafeTensors.save(state(of: Net(), prefix: "module.", fill: 0.75), to: url)
        #expect(moduleError { try Net().load(from: url) } != nil)
        let model = Net()
        let result = try model.load(from: url, mapping: [.stripPrefix("module.")])
        #expect(result.isEmpty)
        #expect(model.fc1.weight.value.scalars == [Float](repeating: 0.75, count: 32))
        let partial = try Net().load(from: url, strict: false, keyMap: { $0.hasPrefix("module.fc1") ? String($0.dropFirst(7)) : nil })
        #expect(partial.missingKeys == ["fc2.bias", "fc2.weight"] && partial.unexpectedKeys.isEmpty)
    }

    @Test func multiheadAttentionLoadsSeparateProjections() throws {
        let e = 4
        let q = Tensor.full([e, e], 1), k = Tensor.full([e, e], 2), v = Tensor.full([e, e], 3)
        let packed = Tensor.cat([q, k, v], dim: 0)
        // PyTorch's own separate names (saved when kdim/vdim differ from embed_dim).
        let torch = MultiheadAttention(dModel: e, numHeads: 2)
        try torch.loadStateDict(["q_proj_weight": q, "k_proj_weight": k, "v_proj_weight": v,
                                 "in_proj_bias": Tensor.zeros([3 * e]),
                                 "out_proj.weight": Tensor.zeros([e, e]), "out_proj.bias": Tensor.zeros([e])])
        #expect(torch.inProjWeight.value.scalars == packed.scalars)
        // A Hugging Face attention block, renamed by a closure; the separate parts are then packed.
        let hf: [String: Tensor] = [
            "attention.self.query.weight": q, "attention.self.key.weight": k, "attention.self.value.weight": v,
            "attention.self.query.bias": Tensor.full([e], 1), "attention.self.key.bias": Tensor.full([e], 2),
            "attention.self.value.bias": Tensor.full([e], 3),
            "attention.output.dense.weight": Tensor.full([e, e], 4), "attention.output.dense.bias": Tensor.zeros([e]),
        ]
        let names = ["query": "q_proj", "key": "k_proj", "value": "v_proj"]
        let attention = MultiheadAttention(dModel: e, numHeads: 2)
        try attention.loadStateDict(hf, keyMap: { key in
            let parts = key.split(separator: ".").map(String.init)
            if parts[1] == "output" { return "out_proj." + parts[3] }
            return names[parts[2]].map { $0 + "_" + parts[3] }
        })
        #expect(attention.inProjWeight.value.scalars == packed.scalars)
        #expect(attention.inProjBias!.value.scalars == [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3])
        #expect(attention.outProj.weight.value.scalars == [Float](repeating: 4, count: e * e))
    }
}
