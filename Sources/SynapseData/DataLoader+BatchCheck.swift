import SynapseCore

/// The data layer's report of an epoch without batches (training refuses zero optimizer steps;
/// this says why there are none).
extension DataLoader {
    /// Number of batches one epoch yields (0 when the dataset is empty, or smaller than one batch
    /// with `dropLast`).
    public var batchCount: Int { count }

    /// Throws when an epoch would yield no batch, which would make training take no optimizer step
    /// or an evaluation report a metric of nothing.
    /// - Parameter name: names the dataset or split in the message, e.g. `"training split"`.
    /// - Throws: `DataError.empty` saying why there is no batch.
    public func validateNotEmpty(name: String) throws(DataError) {
        guard batchCount == 0 else { return }
        let n = dataset.count
        if n == 0 { throw .empty(name: name, reason: "holds no examples, so an epoch has no batch") }
        throw .empty(name: name, reason: "\(n) examples make no complete batch of \(batchSize) and dropLast skips the"
                     + " incomplete one; lower the batch size or keep the last batch")
    }
}
