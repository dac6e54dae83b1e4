import Foundation
import SynapseCore
import SynapseIO

/// Why LoRA adapters could not be saved or loaded.
public enum LoRAError: Error, CustomStringConvertible, Equatable {
    /// `adapter_config.json` is missing, unreadable or unsupported.
    case invalidConfig(path: String, reason: String)
    /// The adapter weights do not fit the model (names, shapes, values).
    case weights(path: String, reason: String)
    /// No layer of the model matches the configuration's target modules.
    case noTargets(targets: [String])

    /// Human-readable explanation.
    public var description: String {
        switch self {
        case .invalidConfig(let path, let reason): return "LoRA: invalid adapter configuration \(path): \(reason)"
        case .weights(let path, let reason): return "LoRA: adapter weights \(path) do not fit the model: \(reason)"
        case .noTargets(let targets): return "LoRA: no Linear layer matches target modules \(targets)"
        }
    }
}

extension Module {
    /// peft's prefix of every key in `adapter_model.safetensors`.
    static var peftPrefix: String { "base_model.model." }

    /// Attaches a fresh LoRA adapter to every `Linear` whose path matches `config.targetModules`,
    /// then freezes everything except the adapters and the `modulesToSave` modules (what peft's
    /// `get_peft_model` does). Layers that already have an adapter keep it.
    /// - Returns: the adapted layers' paths.
    /// - Throws: `LoRAError.noTargets` when nothing matches (a typo would otherwise train nothing).
    @discardableResult
    public func applyLoRA(_ config: LoRAConfiguration, generator: RandomGenerator = .global) throws(LoRAError) -> [String] {
        require(config.validationProblem() == nil, "applyLoRA: \(config.validationProblem() ?? "")")
        var adapted: [String] = []
        for (prefix, module) in namedModulePrefixes() {
            let path = String(prefix.dropLast())
            guard let linear = module as? Linear, LoRAConfiguration.matches(path, config.targetModules) else { continue }
            if linear.lora == nil {
                linear.lora = LoRAAdapter(inFeatures: linear.inFeatures, outFeatures: linear.outFeatures, rank: config.rank,
                                          alpha: config.alpha, dropout: Float(config.dropout), generator: generator)
                linear.lora!.dropout.train(linear.isTraining)
            }
            adapted.append(path)
        }
        guard !adapted.isEmpty else { throw .noTargets(targets: config.targetModules) }
        freeze()
        for (prefix, module) in namedModulePrefixes() {
            let path = String(prefix.dropLast())
            if LoRAConfiguration.matches(path, config.modulesToSave) { module.unfreeze() }
            if let lora = (module as? Linear)?.lora {
                lora.down.unfreeze()
                lora.up.unfreeze()
            }
        }
        return adapted
    }

    /// Every attached adapter with its layer's path.
    public func loraAdapters() -> [(String, LoRAAdapter)] {
        namedModulePrefixes().compactMap { prefix, module in (module as? Linear)?.lora.map { (String(prefix.dropLast()), $0) } }
    }

    /// Folds every adapter into its base weight (W += (alpha/r)·B·A), so inference costs what the
    /// base model costs; `unmergeLoRA()` undoes it (to rounding). Merging twice is a no-op.
    public func mergeLoRA() {
        for (_, module) in namedModulePrefixes() {
            guard let linear = module as? Linear, let lora = linear.lora, !lora.isMerged else { continue }
            let delta = lora.weightDelta()
            withoutGradients { linear.weight.value = linear.weight.value + delta }
            lora.isMerged = true
        }
    }

    /// Subtracts merged adapters from their base weights again (W −= (alpha/r)·B·A).
    public func unmergeLoRA() {
        for (_, module) in namedModulePrefixes() {
            guard let linear = module as? Linear, let lora = linear.lora, lora.isMerged else { continue }
            let delta = lora.weightDelta()
            withoutGradients { linear.weight.value = linear.weight.value - delta }
            lora.isMerged = false
        }
    }

    /// Removes every adapter (merging it first when `merge`), leaving a plain model.
    public func removeLoRA(merge: Bool = true) {
        if merge { mergeLoRA() }
        for (_, module) in namedModulePrefixes() { (module as? Linear)?.lora = nil }
    }

    /// The adapters' weights and the `modulesToSave` parameters, under peft's names
    /// (`base_model.model.<path>.lora_A.weight`, ...).
    public func loraStateDict(modulesToSave: [String] = []) -> [String: Tensor] {
        // A parameter is saved when it belongs to an adapter or lies inside a module to save.
        func insideSavedModule(_ name: String) -> Bool {
            let parts = name.split(separator: ".").dropLast()
            return !parts.isEmpty && (1...parts.count).contains {
                LoRAConfiguration.matches(parts.prefix($0).joined(separator: "."), modulesToSave)
            }
        }
        var out: [String: Tensor] = [:]
        for (name, p) in namedParameters() where name.contains("lora_A.") || name.contains("lora_B.") || insideSavedModule(name) {
            out[Self.peftPrefix + name] = p.value.detached()
        }
        return out
    }

    /// Saves the adapters alone as peft does: `adapter_config.json` and `adapter_model.safetensors`
    /// in `directory` (created if needed; each file written atomically).
    public func saveLoRA(_ config: LoRAConfiguration, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let state = loraStateDict(modulesToSave: config.modulesToSave)
        guard !state.isEmpty else { throw LoRAError.noTargets(targets: config.targetModules) }
        try SafeTensors.save(state, metadata: ["format": "pt"], to: directory.appendingPathComponent("adapter_model.safetensors"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(config), to: directory.appendingPathComponent("adapter_config.json"))
    }

    /// Reads `adapter_config.json` from a peft adapter directory.
    public static func loraConfiguration(at directory: URL) throws(LoRAError) -> LoRAConfiguration {
        let url = directory.appendingPathComponent("adapter_config.json")
        guard let data = try? Data(contentsOf: url) else { throw .invalidConfig(path: url.path, reason: "cannot read the file") }
        do { return try JSONDecoder().decode(LoRAConfiguration.self, from: data) } catch {
            throw .invalidConfig(path: url.path, reason: "\(error)")
        }
    }

    /// Loads adapters saved by `saveLoRA` or by peft (`adapter_config.json` +
    /// `adapter_model.safetensors`): attaches adapters as the configuration says (freezing the rest,
    /// as `applyLoRA`), then loads every adapter and saved-module weight, checking names and shapes.
    /// - Returns: the configuration read.
    @discardableResult
    public func loadLoRA(from directory: URL) throws -> LoRAConfiguration {
        let config = try Self.loraConfiguration(at: directory)
        // The fresh adapters are overwritten below: a private generator leaves the global stream alone.
        try applyLoRA(config, generator: RandomGenerator(seed: 0))
        let url = directory.appendingPathComponent("adapter_model.safetensors")
        let archive: SafeTensorsArchive
        do { archive = try SafeTensors.load(from: url) } catch { throw LoRAError.weights(path: url.path, reason: "\(error)") }
        let expected = loraStateDict(modulesToSave: config.modulesToSave)
        var state: [String: Tensor] = [:]
        for name in archive.names {
            // peft may keep the adapter name (".default") in keys; drop it.
            let key = name.replacingOccurrences(of: ".lora_A.default.", with: ".lora_A.")
                .replacingOccurrences(of: ".lora_B.default.", with: ".lora_B.")
            guard let shape = expected[key]?.shape else {
                throw LoRAError.weights(path: url.path, reason: "unexpected tensor '\(name)'")
            }
            let t = try archive.tensor(name)
            guard t.shape == shape else {
                throw LoRAError.weights(path: url.path, reason: "'\(name)' has shape \(t.shape), the model expects \(shape)")
            }
            guard t.scalars.allSatisfy(\.isFinite) else { throw LoRAError.weights(path: url.path, reason: "'\(name)' holds NaN or ±inf") }
            state[key] = t
        }
        let missing = Set(expected.keys).subtracting(state.keys).sorted()
        guard missing.isEmpty else {
            throw LoRAError.weights(path: url.path, reason: "missing \(missing.prefix(6).joined(separator: ", "))")
        }
        let parameters = Dictionary(uniqueKeysWithValues: namedParameters().map { (Self.peftPrefix + $0.0, $0.1) })
        for (key, t) in state { parameters[key]?.value = t.contiguousCopy() }
        return config
    }
}
