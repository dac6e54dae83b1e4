import SynapseCore

/// Checks a split for the ways information leaks from evaluation data into training: the same
/// row index in two parts, identical examples in two parts (duplicated records), one group (a
/// patient, a user) in two parts, and time order broken (a validation example older than a
/// training one). Duplicates inside one part are reported too: they are not leakage, but they
/// weight some examples twice and often mean the file was concatenated with itself.
///
/// ```swift
/// let report = LeakageReport(splits: split.named, fingerprints: data.rowFingerprints(),
///                            groups: try data.metadataColumn(named: "patient"))
/// if !report.isClean { print(report) }
/// ```
public struct LeakageReport: Sendable, Equatable, CustomStringConvertible {
    /// A row index that appears in more than one part.
    public struct Overlap: Sendable, Equatable {
        /// The row index.
        public var index: Int
        /// The parts holding it, in the order given.
        public var splits: [String]
    }

    /// Rows with identical contents.
    public struct Duplicate: Sendable, Equatable {
        /// Their shared fingerprint.
        public var fingerprint: UInt64
        /// The rows, as (part, row index), in the order given.
        public var members: [Member]

        /// The parts these rows lie in, without repeats.
        public var splits: [String] {
            var seen = Set<String>()
            return members.map(\.split).filter { seen.insert($0).inserted }
        }
    }

    /// One row of a duplicate set.
    public struct Member: Sendable, Equatable {
        /// The part.
        public var split: String
        /// The row index.
        public var index: Int
    }

    /// A group whose rows lie in more than one part.
    public struct SharedGroup: Sendable, Equatable {
        /// The group key.
        public var group: String
        /// The parts holding its rows.
        public var splits: [String]
    }

    /// An earlier part that reaches as late as (or later than) a later part begins.
    public struct TimeOrderViolation: Sendable, Equatable {
        /// The part that should be earlier.
        public var earlier: String
        /// The part that should be later.
        public var later: String
        /// The latest time in `earlier`.
        public var latestInEarlier: Double
        /// The earliest time in `later`.
        public var earliestInLater: Double
    }

    /// Row indices in more than one part.
    public private(set) var overlappingIndices: [Overlap] = []
    /// Identical examples in different parts (leakage).
    public private(set) var duplicatesAcrossSplits: [Duplicate] = []
    /// Identical examples within one part only (not leakage, but worth knowing).
    public private(set) var duplicatesWithinSplits: [Duplicate] = []
    /// Groups in more than one part.
    public private(set) var sharedGroups: [SharedGroup] = []
    /// Pairs of parts out of time order.
    public private(set) var timeOrderViolations: [TimeOrderViolation] = []

    /// Checks `splits`.
    ///
    /// - Parameters:
    ///   - splits: the parts, in time order when `times` is given (e.g. `SplitIndices.named`).
    ///   - fingerprints: a content fingerprint of every row of the full dataset
    ///     (`TabularDataset.rowFingerprints()`, `Fingerprint.rows(of:)`); nil skips the duplicate check.
    ///   - groups: the group key of every row; nil skips the group check.
    ///   - times: the time of every row; nil skips the time-order check. Each part must then be
    ///     strictly later than every part before it.
    /// - Precondition: every index is a valid row of the arrays given.
    public init(splits: [NamedSplit], fingerprints: [UInt64]? = nil, groups: [String]? = nil, times: [Double]? = nil) {
        var partsOfIndex: [Int: [String]] = [:]
        for split in splits {
            for index in split.indices {
                require(index >= 0, "LeakageReport: negative index \(index) in split \"\(split.name)\"")
                partsOfIndex[index, default: []].append(split.name)
            }
        }
        overlappingIndices = partsOfIndex.filter { $0.value.count > 1 }.map { Overlap(index: $0.key, splits: $0.value) }
            .sorted { $0.index < $1.index }

        if let fingerprints {
            var rowsOfPrint: [UInt64: [Member]] = [:]
            var order: [UInt64] = []
            for split in splits {
                for index in split.indices {
                    require(index < fingerprints.count, "LeakageReport: index \(index) in \"\(split.name)\" but only \(fingerprints.count) fingerprints")
                    let print = fingerprints[index]
                    if rowsOfPrint[print] == nil { order.append(print) }
                    rowsOfPrint[print, default: []].append(Member(split: split.name, index: index))
                }
            }
            for print in order {
                let members = rowsOfPrint[print]!
                // The same index listed twice is an overlap, not a duplicate record.
                guard Set(members.map(\.index)).count > 1 else { continue }
                let duplicate = Duplicate(fingerprint: print, members: members)
                if duplicate.splits.count > 1 {
                    duplicatesAcrossSplits.append(duplicate)
                } else {
                    duplicatesWithinSplits.append(duplicate)
                }
            }
        }

        if let groups {
            var partsOfGroup: [String: [String]] = [:]
            var order: [String] = []
            for split in splits {
                for index in split.indices {
                    require(index < groups.count, "LeakageReport: index \(index) in \"\(split.name)\" but only \(groups.count) group keys")
                    let group = groups[index]
                    if partsOfGroup[group] == nil { order.append(group) }
                    if partsOfGroup[group]?.contains(split.name) != true { partsOfGroup[group, default: []].append(split.name) }
                }
            }
            sharedGroups = order.filter { partsOfGroup[$0]!.count > 1 }.map { SharedGroup(group: $0, splits: partsOfGroup[$0]!) }
        }

        if let times {
            let ranges = splits.filter { !$0.indices.isEmpty }.map { split -> (String, Double, Double) in
                let values = split.indices.map { index -> Double in
                    require(index < times.count, "LeakageReport: index \(index) in \"\(split.name)\" but only \(times.count) times")
                    return times[index]
                }
                return (split.name, values.min()!, values.max()!)
            }
            for (i, earlier) in ranges.enumerated() {
                for later in ranges[(i + 1)...] where earlier.2 >= later.1 {
                    timeOrderViolations.append(TimeOrderViolation(earlier: earlier.0, later: later.0,
                                                                  latestInEarlier: earlier.2, earliestInLater: later.1))
                }
            }
        }
    }

    /// Checks the parts of `split` (train, validation, test in that time order).
    public init(split: SplitIndices, fingerprints: [UInt64]? = nil, groups: [String]? = nil, times: [Double]? = nil) {
        self.init(splits: split.named, fingerprints: fingerprints, groups: groups, times: times)
    }

    /// True when nothing leaks: no overlapping indices, no duplicates across parts, no shared
    /// groups and no time-order violations (duplicates within one part are allowed).
    public var isClean: Bool {
        overlappingIndices.isEmpty && duplicatesAcrossSplits.isEmpty && sharedGroups.isEmpty && timeOrderViolations.isEmpty
    }

    /// A readable summary, listing at most five cases of each problem.
    public var description: String {
        func sample<T>(_ items: [T], _ line: (T) -> String) -> [String] {
            items.prefix(5).map { "  " + line($0) } + (items.count > 5 ? ["  ... and \(items.count - 5) more"] : [])
        }
        func rows(_ d: Duplicate) -> String { d.members.map { "\($0.split)[\($0.index)]" }.joined(separator: ", ") }
        var lines = [isClean ? "leakage check: clean" : "leakage check: LEAKAGE FOUND"]
        if !overlappingIndices.isEmpty {
            lines.append("\(overlappingIndices.count) row indices in more than one split:")
            lines += sample(overlappingIndices) { "row \($0.index) in \($0.splits.joined(separator: ", "))" }
        }
        if !duplicatesAcrossSplits.isEmpty {
            lines.append("\(duplicatesAcrossSplits.count) sets of identical examples across splits:")
            lines += sample(duplicatesAcrossSplits, rows)
        }
        if !sharedGroups.isEmpty {
            lines.append("\(sharedGroups.count) groups in more than one split:")
            lines += sample(sharedGroups) { "group \"\($0.group)\" in \($0.splits.joined(separator: ", "))" }
        }
        if !timeOrderViolations.isEmpty {
            lines.append("\(timeOrderViolations.count) time-order violations:")
            lines += sample(timeOrderViolations) {
                "\($0.earlier) reaches \($0.latestInEarlier) but \($0.later) starts at \($0.earliestInLater)"
            }
        }
        if !duplicatesWithinSplits.isEmpty {
            lines.append("note: \(duplicatesWithinSplits.count) sets of identical examples within one split:")
            lines += sample(duplicatesWithinSplits, rows)
        }
        return lines.joined(separator: "\n")
    }
}
