import Foundation

/// Base class of every layer and model.
///
/// Parameters, buffers and sub-modules are discovered automatically from stored properties (via
/// reflection), named as in PyTorch's `state_dict`: a property `fc1` holding a `Linear` yields
/// `fc1.weight` and `fc1.bias`; arrays of modules are numbered (`layers.0.weight`). Subclasses
/// declare their layers as `let` properties and implement `callAsFunction`.
open class Module {
    /// True in training mode (dropout active, batch statistics used); see `train()` / `eval()`.
    public private(set) var isTraining = true

    /// Creates a module in training mode.
    public init() {}

    /// Sub-modules with their names. The default walks stored properties; override for custom naming.
    open func namedChildren() -> [(String, Module)] {
        var out: [(String, Module)] = []
        forEachProperty { label, value in
            if let m = value as? Module { out.append((label, m)) }
            else if let ms = value as? [Module] { for (i, m) in ms.enumerated() { out.append(("\(label).\(i)", m)) } }
        }
        return out
    }

    /// This module's own parameters (not those of children), with their names.
    open func namedLocalParameters() -> [(String, Parameter)] {
        var out: [(String, Parameter)] = []
        forEachProperty { label, value in
            if let p = value as? Parameter { out.append((label, p)) }
        }
        return out
    }

    /// This module's own buffers, with their names.
    open func namedLocalBuffers() -> [(String, Buffer)] {
        var out: [(String, Buffer)] = []
        forEachProperty { label, value in
            if let b = value as? Buffer { out.append((label, b)) }
        }
        return out
    }

    /// Calls `body` for each stored property of the dynamic class and its superclasses, unwrapping optionals.
    private func forEachProperty(_ body: (String, Any) -> Void) {
        var mirror: Mirror? = Mirror(reflecting: self)
        var chain: [Mirror] = []
        while let m = mirror { chain.append(m); mirror = m.superclassMirror }
        for m in chain.reversed() {
            for child in m.children {
                guard let label = child.label, label != "isTraining" else { continue }
                let name = label.hasPrefix("_") ? String(label.dropFirst()) : label
                let unwrapped = Mirror(reflecting: child.value)
                if unwrapped.displayStyle == .optional {
                    if let some = unwrapped.children.first?.value { body(name, some) }
                } else {
                    body(name, child.value)
                }
            }
        }
    }

    /// All parameters of this module and its descendants, named with dotted paths, in definition order.
    public func namedParameters() -> [(String, Parameter)] {
        var out = namedLocalParameters()
        for (prefix, child) in namedChildren() {
            out += child.namedParameters().map { ("\(prefix).\($0.0)", $0.1) }
        }
        return out
    }

    /// All buffers of this module and its descendants, named with dotted paths.
    public func namedBuffers() -> [(String, Buffer)] {
        var out = namedLocalBuffers()
        for (prefix, child) in namedChildren() {
            out += child.namedBuffers().map { ("\(prefix).\($0.0)", $0.1) }
        }
        return out
    }

    /// All parameters, in definition order (what optimizers take).
    public func parameters() -> [Parameter] { namedParameters().map(\.1) }

    /// Total number of trainable scalars.
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.value.count } }

    /// Switches this module and all descendants to training mode.
    public func train(_ on: Bool = true) {
        isTraining = on
        for (_, c) in namedChildren() { c.train(on) }
    }

    /// Switches this module and all descendants to evaluation mode.
    public func eval() { train(false) }

    /// Clears the gradients of all parameters.
    public func zeroGrad() { parameters().forEach { $0.zeroGrad() } }

    /// Parameters and buffers by PyTorch-compatible name.
    public func stateDict() -> [String: Tensor] {
        var d: [String: Tensor] = [:]
        for (n, p) in namedParameters() { d[n] = p.value.detached() }
        for (n, b) in namedBuffers() { d[n] = b.value }
        return d
    }

    /// Replaces parameters and buffers from `state`. With `strict`, missing or unexpected names are
    /// errors; shapes must always match. Nothing changes unless every entry is valid.
    public func loadStateDict(_ state: [String: Tensor], strict: Bool = true) throws(ModuleError) {
        let params = namedParameters(), buffers = namedBuffers()
        let known = Set(params.map(\.0) + buffers.map(\.0))
        if strict {
            let missing = known.subtracting(state.keys).sorted()
            let unexpected = Set(state.keys).subtracting(known).sorted()
            if !missing.isEmpty || !unexpected.isEmpty { throw .keyMismatch(missing: missing, unexpected: unexpected) }
        }
        for (n, p) in params { if let t = state[n], t.shape != p.shape { throw .shapeMismatch(name: n, expected: p.shape, actual: t.shape) } }
        for (n, b) in buffers { if let t = state[n], t.shape != b.value.shape { throw .shapeMismatch(name: n, expected: b.value.shape, actual: t.shape) } }
        for (n, p) in params { if let t = state[n] { p.value = t.contiguousCopy() } }
        for (n, b) in buffers { if let t = state[n] { b.value = t.contiguousCopy() } }
    }

    /// Saves the state dict as a safetensors file (atomically), loadable by PyTorch's `safetensors`.
    /// Throws `NonFiniteWeightsError` (writing nothing) when a parameter holds NaN or ±inf.
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        try checkWeightsFinite()
        try SafeTensors.save(stateDict(), metadata: metadata, to: url)
    }

    /// Loads parameters and buffers from a safetensors file, validating names and shapes.
    ///
    /// Parameters must be floating point; buffers may also be integers (PyTorch stores BatchNorm's
    /// `num_batches_tracked` as int64), which are converted to Float. Every value must be finite
    /// (`SafeTensorsError.nonFinite` names the tensor). A training checkpoint's verified `model.`
    /// part is loaded as weights.
    public func load(from url: URL, strict: Bool = true) throws {
        let archive = try SafeTensors.load(from: url)
        if archive.metadata[Checkpoint.metadataKey] != nil { return try loadCheckpointWeights(from: url, strict: strict) }
        var state: [String: Tensor] = [:]
        let bufferNames = Set(namedBuffers().map(\.0))
        let expected = Dictionary(uniqueKeysWithValues: (namedParameters().map { ($0.0, $0.1.shape) }) + namedBuffers().map { ($0.0, $0.1.value.shape) })
        for name in archive.names {
            if let shape = expected[name] {
                if bufferNames.contains(name), let entry = archive.entries[name],
                   [.i64, .i32, .i8, .u8, .bool].contains(entry.dtype) {
                    guard entry.shape == shape else {
                        throw SafeTensorsError.mismatch("tensor '\(name)' has shape \(entry.shape) in the file but the model expects \(shape)")
                    }
                    state[name] = try archive.tensor(name)
                } else {
                    state[name] = try archive.tensor(name, expectedShape: shape)
                }
            }
            else if strict { throw ModuleError.keyMismatch(missing: [], unexpected: [name]) }
        }
        try Self.requireFinite(state, path: url.path)
        try loadStateDict(state, strict: strict)
    }
}

/// Errors from loading module state.
public enum ModuleError: Error, CustomStringConvertible, Equatable {
    /// Names in the model but not in the state, or the other way round.
    case keyMismatch(missing: [String], unexpected: [String])
    /// A tensor whose shape differs from the model's.
    case shapeMismatch(name: String, expected: [Int], actual: [Int])

    /// Human-readable explanation.
    public var description: String {
        switch self {
        case .keyMismatch(let missing, let unexpected):
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing keys: \(missing.joined(separator: ", "))") }
            if !unexpected.isEmpty { parts.append("unexpected keys: \(unexpected.joined(separator: ", "))") }
            return "state dict does not match the model (" + parts.joined(separator: "; ") + ")"
        case .shapeMismatch(let name, let expected, let actual):
            return "state dict entry '\(name)' has shape \(actual) but the model expects \(expected)"
        }
    }
}

/// A module that maps one tensor to one tensor; what `Sequential` chains.
public protocol Layer: Module {
    /// The forward pass.
    func callAsFunction(_ input: Tensor) -> Tensor
}

extension Tensor {
    /// A dense copy that shares nothing with `self` and has no autodiff history.
    func contiguousCopy() -> Tensor {
        var t = detached()
        t.withUnsafeMutableBufferPointer { _ in }
        return t
    }
}
