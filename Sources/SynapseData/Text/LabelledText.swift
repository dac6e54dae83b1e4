import SynapseCore

/// Texts with a class label each: the input of text classification, before tokenization.
public struct LabelledText: Sendable, Equatable {
    /// The examples' texts.
    public var texts: [String]
    /// Each text's class index, in `0..<classNames.count`.
    public var labels: [Int]
    /// The classes' names, indexed by label.
    public var classNames: [String]

    /// Texts and labels of equal count; every label must index `classNames`.
    public init(texts: [String], labels: [Int], classNames: [String]) {
        require(texts.count == labels.count, "LabelledText: \(texts.count) texts but \(labels.count) labels")
        require(labels.allSatisfy { (0..<classNames.count).contains($0) },
                "LabelledText: labels must lie in 0..<\(classNames.count) (\(classNames.joined(separator: ", ")))")
        self.texts = texts
        self.labels = labels
        self.classNames = classNames
    }

    /// Number of examples.
    public var count: Int { texts.count }

    /// The examples at `indices`, in that order.
    public func subset(_ indices: [Int]) -> LabelledText {
        LabelledText(texts: indices.map { texts[$0] }, labels: indices.map { labels[$0] }, classNames: classNames)
    }

    /// Examples per class, indexed by label.
    public var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: classNames.count)
        for label in labels { counts[label] += 1 }
        return counts
    }

    /// The first `fraction` of each class's examples (at least one per non-empty class), in the
    /// original order: a smaller training set with the same class balance, the same every run.
    public func stratifiedPrefix(fraction: Double) -> LabelledText {
        subset(StratifiedPrefix.indices(labels: labels, fraction: fraction))
    }
}

/// "The first `fraction` of each class": the one rule behind `LabelledText.stratifiedPrefix` and
/// `TensorDataset.stratifiedPrefix`.
enum StratifiedPrefix {
    /// Indices of the first `fraction` of each label's examples (rounded, at least one per label
    /// present), in their original order.
    static func indices(labels: [Int], fraction: Double) -> [Int] {
        require(fraction > 0 && fraction <= 1, "stratifiedPrefix: fraction must lie in (0, 1], got \(fraction)")
        var totals: [Int: Int] = [:]
        for label in labels { totals[label, default: 0] += 1 }
        let keep = totals.mapValues { max(1, Int((Double($0) * fraction).rounded())) }
        var taken: [Int: Int] = [:]
        var indices: [Int] = []
        for (i, label) in labels.enumerated() where taken[label, default: 0] < keep[label]! {
            taken[label, default: 0] += 1
            indices.append(i)
        }
        return indices
    }
}
