import SynapseCore

/// A split that cannot be made as asked (the settings usually come from a command line or a
/// configuration file, so they are reported, not trapped).
public enum SplitError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Validation and test fractions must each be in `0..<1` and sum to less than 1.
    case invalidFractions(validation: Double, test: Double)
    /// k-fold needs `2 <= k <= count`.
    case invalidFoldCount(k: Int, count: Int)
    /// Input arrays that must describe the same rows have different lengths.
    case lengthMismatch(what: String, expected: Int, found: Int)
    /// A group split needs at least one group per non-empty part.
    case tooFewGroups(groups: Int, needed: Int)
    /// A part that must hold rows came out empty (training always; validation or test when their
    /// fraction is above 0): too few rows, classes or distinct times for the fractions.
    case emptyPart(part: String, rows: Int, reason: String)

    /// Human-readable explanation.
    public var description: String {
        switch self {
        case .invalidFractions(let validation, let test):
            return "invalid split fractions: validation \(validation) and test \(test) must each be in [0, 1)"
                + " and leave a non-empty training part (sum < 1)"
        case .invalidFoldCount(let k, let count):
            return "invalid k-fold: k = \(k) must be at least 2 and at most the \(count) examples"
        case .lengthMismatch(let what, let expected, let found):
            return "\(what) has \(found) entries, expected \(expected) (one per example)"
        case .tooFewGroups(let groups, let needed):
            return "a group split into \(needed) non-empty parts needs at least \(needed) groups, found \(groups)"
        case .emptyPart(let part, let rows, let reason):
            return "the \(part) part of a split of \(rows) rows is empty: \(reason)"
        }
    }
}
