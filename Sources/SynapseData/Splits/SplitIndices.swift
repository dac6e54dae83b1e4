import SynapseCore

/// Row indices of one named part of a dataset (`"train"`, `"fold 3 validation"`, ...).
public struct NamedSplit: Sendable, Equatable, Codable {
    /// The part's name, used in leakage reports.
    public var name: String
    /// Row indices into the full dataset.
    public var indices: [Int]

    /// A part called `name` holding `indices`.
    public init(_ name: String, _ indices: [Int]) {
        self.name = name
        self.indices = indices
    }
}

/// A division of a dataset's rows into training, validation and test indices. Any part may be
/// empty (k-fold folds have no test part). Subset a dataset with them: `data.subset(split.train)`
/// (a copy of the same type for the in-memory datasets, a `DatasetSubset` view for any other `Dataset`).
public struct SplitIndices: Sendable, Equatable, Codable {
    /// Indices of the training rows.
    public var train: [Int]
    /// Indices of the validation rows.
    public var validation: [Int]
    /// Indices of the test rows.
    public var test: [Int]

    /// A split from its three parts.
    public init(train: [Int], validation: [Int], test: [Int] = []) {
        self.train = train
        self.validation = validation
        self.test = test
    }

    /// The non-empty parts with their names, in train, validation, test order (what
    /// `LeakageReport` takes).
    public var named: [NamedSplit] {
        [NamedSplit("train", train), NamedSplit("validation", validation), NamedSplit("test", test)]
            .filter { !$0.indices.isEmpty }
    }
}
