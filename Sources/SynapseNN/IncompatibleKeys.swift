import SynapseCore

/// What a state-dict load found that did not match the model, like PyTorch's `_IncompatibleKeys`.
///
/// `loadStateDict(_:strict:mapping:keyMap:)` and `load(from:strict:mapping:keyMap:)` return it: with
/// `strict: false` it lists the keys that were skipped; a strict load that finds any problem throws
/// `ModuleError` with all of them instead (shape mismatches are errors in both modes).
public struct IncompatibleKeys: Sendable, Equatable, CustomStringConvertible {
    /// A tensor whose shape differs from the model's.
    public struct ShapeMismatch: Sendable, Equatable {
        /// The model's name of the tensor (after key mapping).
        public let name: String
        /// The model's shape.
        public let expected: [Int]
        /// The shape in the state dict.
        public let actual: [Int]

        /// A mismatch of `name`.
        public init(name: String, expected: [Int], actual: [Int]) {
            self.name = name
            self.expected = expected
            self.actual = actual
        }
    }

    /// Model names with no entry in the state dict, sorted.
    public var missingKeys: [String]
    /// State-dict names (after mapping) the model does not have, sorted.
    public var unexpectedKeys: [String]
    /// Entries whose shape differs from the model's, sorted by name.
    public var shapeMismatches: [ShapeMismatch]
    /// Conversions that changed values without failing the load (e.g. a float64 PyTorch tensor
    /// rounded to Float32); not counted by `isEmpty`.
    public var warnings: [String] = []

    /// A result listing the given problems.
    public init(missingKeys: [String] = [], unexpectedKeys: [String] = [], shapeMismatches: [ShapeMismatch] = []) {
        self.missingKeys = missingKeys
        self.unexpectedKeys = unexpectedKeys
        self.shapeMismatches = shapeMismatches
    }

    /// True when every name matched and every shape agreed.
    public var isEmpty: Bool { missingKeys.isEmpty && unexpectedKeys.isEmpty && shapeMismatches.isEmpty }

    /// One phrase per kind of problem, listing every key.
    var problems: [String] {
        var parts: [String] = []
        if !missingKeys.isEmpty { parts.append("missing keys: \(missingKeys.joined(separator: ", "))") }
        if !unexpectedKeys.isEmpty { parts.append("unexpected keys: \(unexpectedKeys.joined(separator: ", "))") }
        if !shapeMismatches.isEmpty {
            parts.append("shape mismatches: " + shapeMismatches.map {
                "\($0.name) is \($0.actual) but the model expects \($0.expected)"
            }.joined(separator: ", "))
        }
        return parts
    }

    /// `IncompatibleKeys(missing: [...], unexpected: [...])`, with shape mismatches when there are any.
    public var description: String {
        isEmpty ? "IncompatibleKeys(none)" : "IncompatibleKeys(" + problems.joined(separator: "; ") + ")"
    }
}
