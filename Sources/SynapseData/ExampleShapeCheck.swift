import SynapseCore

/// Checks that a loaded dataset fits the model about to be trained on it, so that a mismatch is a
/// clear error before training instead of a shape trap inside a layer one epoch later.
extension TensorDataset {
    /// Throws unless every example has shape `expected` (e.g. `[1, 28, 28]`).
    /// - Parameters:
    ///   - name: names the dataset (and split) in the message, e.g. `"Fashion-MNIST test split"`.
    ///   - path: the file the examples came from, if known.
    /// - Throws: `DataError.imageShapeMismatch`, or `DataError.empty` when there are no examples.
    public func validateExampleShape(_ expected: [Int], name: String, path: String = "") throws(DataError) {
        guard count > 0 else { throw .empty(name: name, reason: "holds no examples") }
        guard exampleShape == expected else {
            throw .imageShapeMismatch(dataset: name, path: path.isEmpty ? "loaded examples" : path, expected: expected,
                                      found: exampleShape, reason: "the model takes inputs of shape \(expected)")
        }
    }

    /// Throws unless every label lies in `0..<classCount` (a label outside it would index past the
    /// model's output and trap in the loss).
    /// - Throws: `DataError.invalidContents` naming the first bad example's index and label.
    public func validateLabels(classCount: Int, name: String) throws(DataError) {
        if let bad = labels.scalars.firstIndex(where: { $0 < 0 || $0 >= classCount }) {
            throw .invalidContents(path: name, reason: "label \(labels.scalars[bad]) at index \(bad) is outside 0..<\(classCount)")
        }
    }
}
