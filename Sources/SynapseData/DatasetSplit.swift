import SynapseCore

/// Which part of a dataset with a fixed train/test division.
public enum DatasetSplit: String, Sendable, CaseIterable {
    /// The training examples.
    case train
    /// The held-out test examples.
    case test
}
