import Foundation
import SynapseCore
import SynapseIO

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

    /// The state-dict name of the stored property `name` (after a `@StateName` wrapper renamed it).
    /// The default keeps it; override to map Swift names to another framework's names, e.g.
    /// `name == "convLayers" ? "conv_layers" : name`.
    open func stateDictName(forProperty name: String) -> String { name }

    /// One line of constructor arguments shown by `print(module)` after the type name, like
    /// PyTorch's `extra_repr` (`Linear(784 → 512, bias)`). Empty by default; layers override it.
    open var extraDescription: String { "" }

    /// Rewrites `state` before it is matched against this module's names during a load, like
    /// PyTorch's `_load_from_state_dict` hooks; `prefix` is this module's dotted path with a trailing
    /// dot ("" for the root). The default does nothing; `MultiheadAttention` packs PyTorch's separate
    /// `q_proj_weight`/`k_proj_weight`/`v_proj_weight` into `in_proj_weight` here.
    open func adaptStateDict(_ state: inout [String: Tensor], prefix: String) {}

    /// Calls `body` for each stored property of the dynamic class and its superclasses, unwrapping
    /// optionals and `@StateName` wrappers, named by `stateDictName(forProperty:)`.
    private func forEachProperty(_ body: (String, Any) -> Void) {
        var mirror: Mirror? = Mirror(reflecting: self)
        var chain: [Mirror] = []
        while let m = mirror { chain.append(m); mirror = m.superclassMirror }
        for m in chain.reversed() {
            for child in m.children {
                guard let label = child.label, label != "isTraining" else { continue }
                var name = label.hasPrefix("_") ? String(label.dropFirst()) : label
                var value = child.value
                if let wrapper = value as? any StateNameWrapper { name = wrapper.stateName; value = wrapper.wrappedAny }
                name = stateDictName(forProperty: name)
                let unwrapped = Mirror(reflecting: value)
                if unwrapped.displayStyle == .optional {
                    if let some = unwrapped.children.first?.value { body(name, some) }
                } else {
                    body(name, value)
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

    /// This module and its descendants in pre-order (parents before children), with their dotted
    /// names ("" for this one) — PyTorch's `named_modules()`, shared submodules listed each time
    /// they appear.
    public func namedModules() -> [(String, Module)] {
        var out: [(String, Module)] = [("", self)]
        for (name, child) in namedChildren() {
            out += child.namedModules().map { ($0.0.isEmpty ? name : "\(name).\($0.0)", $0.1) }
        }
        return out
    }

    /// All parameters, in definition order (what optimizers take).
    public func parameters() -> [Parameter] { namedParameters().map(\.1) }

    /// Total number of trainable scalars: the sum of the element counts of `parameters()` (PyTorch's
    /// `sum(p.numel() for p in model.parameters())`); `print(model)` shows it on its last line.
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

    /// Saves the state dict as a safetensors file (atomically), loadable by PyTorch's `safetensors`.
    /// Int8 layers (`Linear.quantization`) are stored as int8 weights with their scales, bf16 layers
    /// (`castToBFloat16()`) as BF16 weights and float16 layers (`castToFloat16()`) as F16 weights (see
    /// docs/compression.md), and `load(from:)` restores them.
    /// Throws `NonFiniteWeightsError` (writing nothing) when a parameter holds NaN or ±inf.
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        try checkWeightsFinite()
        let state = quantizedFileState()
        var floats = state.floats, half: [ComputePrecision: [String: Tensor]] = [:], meta = metadata
        for precision in [ComputePrecision.bfloat16, .float16] {
            for name in halfPrecisionFileEntries(precision) { half[precision, default: [:]][name] = floats.removeValue(forKey: name) }
        }
        // The key marks half-precision layers; metadata copied from another file must not claim them.
        meta[HalfPrecisionFileLayout.metadataKey] = HalfPrecisionFileLayout.metadataValue([.bfloat16, .float16].filter { half[$0] != nil })
        try SafeTensors.save(floats, ints: state.ints, bfloat16: half[.bfloat16] ?? [:], float16: half[.float16] ?? [:],
                             int8: state.int8, metadata: meta, to: url)
    }
}

/// Errors from loading module state.
public enum ModuleError: Error, CustomStringConvertible, Equatable {
    /// Names in the model but not in the state, or the other way round.
    case keyMismatch(missing: [String], unexpected: [String])
    /// A tensor whose shape differs from the model's.
    case shapeMismatch(name: String, expected: [Int], actual: [Int])
    /// Several problems at once (more than one shape mismatch, or shape and key mismatches):
    /// every missing key, every unexpected key and every shape mismatch of the load.
    case incompatible(IncompatibleKeys)

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
        case .incompatible(let keys):
            return "state dict does not match the model (\(keys.problems.joined(separator: "; ")))"
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
