import SynapseCore

/// Short summaries for `print(dataset)`: the default reflection would print every element
/// (about 130 KB for Fashion-MNIST's labels alone).

extension TensorDataset: CustomStringConvertible {
    /// `TensorDataset(60000 examples, features [1, 28, 28], 10 classes)`.
    public var description: String {
        let classes = (labels.scalars.max() ?? -1) + 1
        return "TensorDataset(\(count) examples, features \(Array(features.shape.dropFirst())), \(classes) classes)"
    }
}

extension IDXImageDataset {
    /// `FashionMNIST(split: train, 60000 examples, images [1, 28, 28], 10 classes)`.
    public var description: String {
        "\(Self.self)(split: \(split.rawValue), \(data.count) examples, images \(Array(data.features.shape.dropFirst())), "
            + "\(Self.classNames.count) classes)"
    }
}

extension FashionMNIST: CustomStringConvertible {}
extension MNIST: CustomStringConvertible {}

extension RegressionDataset: CustomStringConvertible {
    /// `RegressionDataset(442 examples, features [10], targets [1])`.
    public var description: String {
        "RegressionDataset(\(count) examples, features \(Array(features.shape.dropFirst())), targets \(Array(targets.shape.dropFirst())))"
    }
}

extension TabularDataset: CustomStringConvertible {
    /// `TabularDataset(768 rows, 8 feature columns, label "Outcome": 2 classes, from diabetes.csv)`.
    public var description: String {
        let label: String
        switch target {
        case .classes(_, let names): label = "\(names.count) classes"
        case .values: label = "regression"
        }
        let file = path.split(separator: "/").last.map(String.init) ?? path
        return "TabularDataset(\(count) rows, \(columns.count) feature columns, label \"\(labelName)\": \(label), from \(file))"
    }
}

extension TextCorpus: CustomStringConvertible {
    /// `TextCorpus(1115394 tokens, vocabulary of 65 bytes)`.
    public var description: String { "TextCorpus(\(ids.count) tokens, vocabulary of \(vocabulary.count) bytes)" }
}
