import Foundation
import SynapseCore

/// One rename rule applied to every key of a state dict before it is matched against a model's
/// names, for weights saved by other frameworks (Hugging Face, PyTorch `DataParallel`, ...).
///
/// Rules run in order, each on the previous one's result; a rule that returns nil drops the key
/// (it is then neither loaded nor reported as unexpected):
///
/// ```swift
/// try model.loadStateDict(state, mapping: [.stripPrefix("module."), .replacePrefix("bert.", with: ""),
///                                          .drop(prefix: "pooler.")])
/// ```
public struct StateDictKeyRule: Sendable {
    /// Maps one key; nil drops it.
    public let apply: @Sendable (String) -> String?

    /// A rule computed by `transform` (nil drops the key).
    public init(_ transform: @escaping @Sendable (String) -> String?) { apply = transform }

    /// Removes `prefix` from keys that start with it (`"module."`, as `DataParallel` saves);
    /// other keys are unchanged.
    public static func stripPrefix(_ prefix: String) -> StateDictKeyRule {
        StateDictKeyRule { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 }
    }

    /// Replaces `prefix` by `replacement` in keys that start with it.
    public static func replacePrefix(_ prefix: String, with replacement: String) -> StateDictKeyRule {
        StateDictKeyRule { $0.hasPrefix(prefix) ? replacement + $0.dropFirst(prefix.count) : $0 }
    }

    /// Replaces every occurrence of `target` by `replacement` (`.replace(".gamma", with: ".weight")`).
    public static func replace(_ target: String, with replacement: String) -> StateDictKeyRule {
        StateDictKeyRule { $0.replacingOccurrences(of: target, with: replacement) }
    }

    /// Drops keys that start with `prefix`.
    public static func drop(prefix: String) -> StateDictKeyRule {
        StateDictKeyRule { $0.hasPrefix(prefix) ? nil : $0 }
    }

    /// Replaces matches of the regular expression `pattern` by `template` (`$1` refers to a group):
    /// `.regex(#"^layer\.(\d+)\."#, with: "layers.$1.")`.
    /// - Precondition: `pattern` is a valid `NSRegularExpression` pattern.
    public static func regex(_ pattern: String, with template: String) -> StateDictKeyRule {
        do { _ = try NSRegularExpression(pattern: pattern) } catch {
            preconditionFailure("StateDictKeyRule.regex: invalid pattern \(pattern): \(error)")
        }
        return StateDictKeyRule { key in
            // Compiled per key: NSRegularExpression is not Sendable on every platform.
            guard let re = try? NSRegularExpression(pattern: pattern) else { return key }
            return re.stringByReplacingMatches(in: key, range: NSRange(key.startIndex..., in: key), withTemplate: template)
        }
    }

    /// A rule from any closure (nil drops the key).
    public static func custom(_ transform: @escaping @Sendable (String) -> String?) -> StateDictKeyRule {
        StateDictKeyRule(transform)
    }

    /// `key` after every rule of `rules`, or nil when one of them dropped it.
    static func map(_ key: String, through rules: [StateDictKeyRule]) -> String? {
        var k = key
        for rule in rules {
            guard let next = rule.apply(k) else { return nil }
            k = next
        }
        return k
    }
}
