import Foundation
import SynapseCore
import SynapseIO

extension Module {
    /// Every module of the tree with its dotted path plus a trailing dot ("" for `self`), parents first.
    func namedModulePrefixes(_ prefix: String = "") -> [(String, Module)] {
        [(prefix, self)] + namedChildren().flatMap { $0.1.namedModulePrefixes(prefix + $0.0 + ".") }
    }

    /// `state` with every key passed through `mapping` and then `keyMap` (nil drops a key), then
    /// adapted by each module's `adaptStateDict(_:prefix:)`. Keys that map onto an earlier key's
    /// name are returned as duplicates (by their original name).
    func mappedState(_ state: [String: Tensor], mapping: [StateDictKeyRule],
                     keyMap: ((String) -> String?)?) -> (state: [String: Tensor], duplicates: [String]) {
        var out: [String: Tensor] = [:], duplicates: [String] = []
        for key in state.keys.sorted() {
            guard let k = StateDictKeyRule.map(key, through: mapping).flatMap({ keyMap == nil ? $0 : keyMap!($0) }) else { continue }
            if out[k] != nil { duplicates.append(key) } else { out[k] = state[key] }
        }
        for (prefix, module) in namedModulePrefixes() { module.adaptStateDict(&out, prefix: prefix) }
        return (out, duplicates)
    }

    /// Replaces parameters and buffers from `state`, like PyTorch's `load_state_dict`.
    ///
    /// Keys are first renamed by the rules of `mapping`, in order, and then by `keyMap` (either
    /// returns nil to drop a key), so a checkpoint of another framework loads without editing it:
    /// `loadStateDict(hf, mapping: [.stripPrefix("bert.")], keyMap: { $0.replacingOccurrences(of: "gamma", with: "weight") })`.
    ///
    /// With `strict` (the default), missing and unexpected names are errors; shapes must always
    /// match. A failed load throws `ModuleError` listing every problem: `.keyMismatch` when only names
    /// differ, `.shapeMismatch` for a single wrong shape, `.incompatible` for several problems. Nothing
    /// changes unless the load succeeds.
    /// - Returns: the missing and unexpected keys (empty after a successful strict load).
    @discardableResult
    public func loadStateDict(_ state: [String: Tensor], strict: Bool = true, mapping: [StateDictKeyRule] = [],
                              keyMap: ((String) -> String?)? = nil) throws(ModuleError) -> IncompatibleKeys {
        let (state, duplicates) = mappedState(state, mapping: mapping, keyMap: keyMap)
        let params = namedParameters(), buffers = namedBuffers()
        let expected = Dictionary(params.map { ($0.0, $0.1.shape) } + buffers.map { ($0.0, $0.1.value.shape) },
                                  uniquingKeysWith: { a, _ in a })
        var result = IncompatibleKeys(
            missingKeys: Set(expected.keys).subtracting(state.keys).sorted(),
            unexpectedKeys: (Set(state.keys).subtracting(expected.keys).sorted() + duplicates).sorted())
        for name in expected.keys.sorted() {
            if let t = state[name], let shape = expected[name], t.shape != shape {
                result.shapeMismatches.append(.init(name: name, expected: shape, actual: t.shape))
            }
        }
        if let error = Self.loadError(result, strict: strict) { throw error }
        for (n, p) in params { if let t = state[n] { p.value = t.contiguousCopy() } }
        for (n, b) in buffers { if let t = state[n] { b.value = t.contiguousCopy() } }
        return result
    }

    /// The error a load with `result` throws, or nil when it succeeds. Keeps the earlier cases for the
    /// earlier situations (only names, or one shape) and reports combinations with `.incompatible`.
    static func loadError(_ result: IncompatibleKeys, strict: Bool) -> ModuleError? {
        let keysFail = strict && (!result.missingKeys.isEmpty || !result.unexpectedKeys.isEmpty)
        switch (keysFail, result.shapeMismatches.count) {
        case (false, 0): return nil
        case (true, 0): return .keyMismatch(missing: result.missingKeys, unexpected: result.unexpectedKeys)
        case (false, 1):
            let m = result.shapeMismatches[0]
            return .shapeMismatch(name: m.name, expected: m.expected, actual: m.actual)
        case (false, _): return .incompatible(IncompatibleKeys(shapeMismatches: result.shapeMismatches))
        case (true, _): return .incompatible(result)
        }
    }

    /// Loads parameters and buffers from a safetensors file, validating names and shapes.
    ///
    /// Parameters must be floating point; buffers may also be integers (PyTorch stores BatchNorm's
    /// `num_batches_tracked` as int64), which are converted to Float. Every value must be finite
    /// (`SafeTensorsError.nonFinite` names the tensor). A training checkpoint's verified `model.`
    /// part is loaded as weights, and a PyTorch `.pt`/`.pth` file (recognised by its first bytes) is
    /// read as `loadPyTorch(from:)` reads it. Int8 layers saved by `save(to:)` load as int8 (their
    /// float weights set to the dequantized values); every other `Linear` and `Conv2d` becomes float. `strict`, `mapping` and `keyMap` work as in
    /// `loadStateDict(_:strict:mapping:keyMap:)`; names in errors are the mapped names.
    /// - Returns: the missing and unexpected keys (empty after a successful strict load).
    @discardableResult
    public func load(from url: URL, strict: Bool = true, mapping: [StateDictKeyRule] = [],
                     keyMap: ((String) -> String?)? = nil) throws -> IncompatibleKeys {
        if PyTorchFile.looksLikePyTorchFile(at: url) {
            return try loadPyTorch(from: url, strict: strict, mapping: mapping, keyMap: keyMap)
        }
        let archive = try SafeTensors.load(from: url)
        if CheckpointContainer.isCheckpoint(archive) {
            return try loadCheckpointWeights(archive, from: url, strict: strict, mapping: mapping, keyMap: keyMap)
        }
        let parameterNames = Set(namedParameters().map(\.0))
        let quantized = try quantizedEntries(archive, mapping: mapping, keyMap: keyMap)
        let recurrent = try recurrentQuantizedEntries(archive)
        var state = quantized.state.merging(recurrent.state) { a, _ in a }
        let consumed = quantized.consumed.union(recurrent.consumed)
        for name in archive.names where !consumed.contains(name) {
            guard let mapped = StateDictKeyRule.map(name, through: mapping).flatMap({ keyMap == nil ? $0 : keyMap!($0) }),
                  let entry = archive.entries[name] else { continue }
            if parameterNames.contains(mapped), ![.f32, .f64, .f16, .bf16].contains(entry.dtype) {
                throw SafeTensorsError.mismatch("tensor '\(name)' has dtype \(entry.dtype.rawValue); a floating-point parameter was expected")
            }
            state[name] = try archive.tensor(name)
        }
        try Self.requireFinite(state, path: url.path)
        let result = try loadStateDict(state, strict: strict, mapping: mapping, keyMap: keyMap)
        // The file says which layers are int8: those it stores so become int8, the others float.
        for (_, l) in namedLinearLayers() { l.quantization = nil }
        for (_, c) in namedConvolutionLayers() { c.quantization = nil }
        for (_, r) in namedRecurrentLayers() { r.quantization = nil }
        for pending in quantized.layers + recurrent.layers { pending.attach() }
        restoreHalfPrecisionLayers(from: archive)
        return result
    }
}
