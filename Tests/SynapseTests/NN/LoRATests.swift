import Foundation
import Testing
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseNN
@testable import SynapseOptim

/// LoRA against Hugging Face `peft` (fixture from scripts/make-lora-fixtures.py): outputs,
/// adapter gradients and merged weights on a module with BERT's layer names.
@Suite("LoRA")
struct LoRATests {
    /// Layers draw from a private generator (tests run in parallel; the global one belongs to seeded tests).
    final class Attention: Module {
        let query: Linear, key: Linear, value: Linear
        init(_ g: RandomGenerator) {
            query = Linear(8, 8, generator: g); key = Linear(8, 8, generator: g); value = Linear(8, 8, generator: g)
            super.init()
        }
    }

    /// The fixture's `Block`: dense(tanh(query(x)) · key(x) + value(x)).
    final class Block: Module {
        let attention: Attention, dense: Linear
        init(seed: UInt64 = 0) {
            let g = RandomGenerator(seed: seed)
            attention = Attention(g)
            dense = Linear(8, 4, generator: g)
            super.init()
        }
        func callAsFunction(_ x: Tensor) -> Tensor {
            dense(tanh(attention.query(x)) * attention.key(x) + attention.value(x))
        }
    }

    static func fixture() throws -> SafeTensorsArchive {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/lora/peft-lora", withExtension: "safetensors"))
        return try SafeTensorsArchive(contentsOf: url)
    }

    static func tensors(_ archive: SafeTensorsArchive, prefix: String) throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for name in archive.names where name.hasPrefix(prefix) { out[String(name.dropFirst(prefix.count))] = try archive.tensor(name) }
        return out
    }

    static func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
        precondition(a.shape == b.shape, "\(a.shape) vs \(b.shape)")
        return zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
    }

    /// A block with the fixture's base weights and adapters loaded.
    static func peftBlock() throws -> (Block, SafeTensorsArchive) {
        let archive = try fixture()
        let block = Block()
        try block.loadStateDict(try tensors(archive, prefix: "base."))
        let config = LoRAConfiguration(rank: 4, alpha: 8, targetModules: ["query", "value"])
        let adapted = try block.applyLoRA(config, generator: RandomGenerator(seed: 5))
        #expect(adapted == ["attention.query", "attention.value"])
        let adapters = try tensors(archive, prefix: "adapter.")
        var params: [String: Parameter] = [:]
        for (name, p) in block.namedParameters() { params["base_model.model." + name] = p }
        #expect(Set(block.loraStateDict().keys) == Set(adapters.keys))
        for (k, t) in adapters { params[k]!.value = t }
        return (block, archive)
    }

    @Test func forwardAndGradientsMatchPeft() throws {
        let (block, archive) = try Self.peftBlock()
        #expect(block.trainableParameterCount == 2 * (4 * 8 + 8 * 4))
        let y = block(try archive.tensor("x"))
        #expect(Self.maxDifference(y, try archive.tensor("y")) < 1e-5)
        y.backward(try archive.tensor("upstream"))
        let named: [String: Parameter] = Dictionary(uniqueKeysWithValues: block.namedParameters())
        for (name, expected) in try Self.tensors(archive, prefix: "grad.") {
            let grad = try #require(named[name]?.grad, "no gradient for \(name)")
            #expect(Self.maxDifference(grad, expected) < 1e-5, "\(name)")
        }
        for (name, p) in named where !name.contains("lora_") {
            #expect(p.grad == nil && !p.requiresGrad, "\(name) should be frozen")
        }
    }

    @Test func mergeMatchesPeftAndUnmergeRestores() throws {
        let (block, archive) = try Self.peftBlock()
        let x = try archive.tensor("x")
        let before = block.stateDict()
        let unmergedOutput = withoutGradients { block(x) }
        block.mergeLoRA()
        block.mergeLoRA()  // a second merge changes nothing
        for (name, expected) in try Self.tensors(archive, prefix: "merged.") {
            #expect(Self.maxDifference(block.stateDict()[name]!, expected) < 1e-6, "\(name)")
        }
        #expect(Self.maxDifference(withoutGradients { block(x) }, unmergedOutput) < 1e-5)
        block.unmergeLoRA()
        for (name, original) in before { #expect(Self.maxDifference(block.stateDict()[name]!, original) < 1e-6, "\(name)") }
    }

    @Test func adaptersSaveAndLoadAlone() throws {
        let (block, archive) = try Self.peftBlock()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lora-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = LoRAConfiguration(rank: 4, alpha: 8, targetModules: ["query", "value"], modulesToSave: ["dense"])
        try block.saveLoRA(config, to: dir)
        let saved = try SafeTensorsArchive(contentsOf: dir.appendingPathComponent("adapter_model.safetensors"))
        #expect(saved.names.contains("base_model.model.attention.query.lora_A.weight"))
        #expect(saved.names.contains("base_model.model.dense.weight"))
        #expect(!saved.names.contains { $0.contains("key") })
        // A fresh base model plus the adapter directory reproduces the output.
        let fresh = Block()
        try fresh.loadStateDict(try Self.tensors(archive, prefix: "base."))
        let loaded = try fresh.loadLoRA(from: dir)
        #expect(loaded == config)
        #expect(fresh.dense.weight.requiresGrad && !fresh.attention.key.weight.requiresGrad)
        let x = try archive.tensor("x")
        #expect(Self.maxDifference(withoutGradients { fresh(x) }, withoutGradients { block(x) }) == 0)
        // Errors: a garbled config, a wrong shape, no matching layer.
        try Data(#"{"r": 0, "lora_alpha": 8, "target_modules": ["query"]}"#.utf8).write(to: dir.appendingPathComponent("adapter_config.json"))
        #expect(throws: LoRAError.self) { try Block().loadLoRA(from: dir) }
        #expect(throws: LoRAError.self) { try Block().applyLoRA(LoRAConfiguration(targetModules: ["qkv"]), generator: RandomGenerator(seed: 5)) }
        try Data(#"{"r": 2, "lora_alpha": 8, "target_modules": ["query", "value"]}"#.utf8).write(to: dir.appendingPathComponent("adapter_config.json"))
        #expect(throws: LoRAError.self) { try Block().loadLoRA(from: dir) }
    }

    /// Training with frozen base weights leaves every frozen parameter bit for bit unchanged, while
    /// the adapters and the saved head move.
    @Test func trainingChangesOnlyTrainableParameters() throws {
        let (block, archive) = try Self.peftBlock()
        block.unfreeze()
        block.attention.freeze()
        block.attention.query.lora!.down.unfreeze()
        block.attention.query.lora!.up.unfreeze()
        let frozen: [(String, [Float])] = block.namedParameters().filter { !$0.1.requiresGrad }.map { ($0.0, $0.1.value.scalars) }
        let trainable: [(String, [Float])] = block.namedTrainableParameters().map { ($0.0, $0.1.value.scalars) }
        let trainableNames: [String] = trainable.map { $0.0 }.sorted()
        #expect(trainableNames == ["attention.query.lora_A.weight", "attention.query.lora_B.weight", "dense.bias", "dense.weight"])
        let optimizer = AdamW(block.parameters(), learningRate: 0.01, weightDecay: 0.1)
        let x = try archive.tensor("x")
        for _ in 0..<5 {
            optimizer.zeroGrad()
            (block(x) * block(x)).mean().backward()
            optimizer.step()
        }
        var after: [String: [Float]] = [:]
        for (name, p) in block.namedParameters() { after[name] = p.value.scalars }
        for (name, values) in frozen { #expect(after[name]! == values, "\(name) changed while frozen") }
        for (name, values) in trainable { #expect(after[name]! != values, "\(name) did not train") }
        #expect(optimizer.stateDict().keys.allSatisfy { key in
            let index = Int(key.split(separator: ".")[0])!
            return block.parameters()[index].requiresGrad
        })
    }
}
