import SynapseCore
import SynapseTraining

/// Prints one line per epoch (every `every` epochs, plus the last) through a closure: the epoch
/// logs in a fixed order. Small tabular runs train hundreds of short epochs; this keeps their
/// output readable where a progress bar would only flicker.
final class EpochLinePrinter: TrainingCallback {
    let every: Int
    let log: (String) -> Void

    init(every: Int, log: @escaping (String) -> Void) {
        self.every = max(every, 1)
        self.log = log
    }

    func epochCommitted(_ context: TrainingContext) throws {
        guard context.epoch % every == 0 || context.epoch == context.targetEpochs || context.stopTraining else { return }
        let logs = context.epochLogs
        let order = ["loss", "val_loss"] + logs.keys.filter { $0.hasPrefix("val_") && $0 != "val_loss" }.sorted() + ["lr"]
        let fields = order.compactMap { name in logs[name].map { "\(name) \(Self.format($0))" } }
        log("epoch \(context.epoch)/\(context.targetEpochs)  " + fields.joined(separator: "  "))
    }

    static func format(_ v: Double) -> String {
        v != 0 && Swift.abs(v) < 1e-3 ? String(describing: Float(v)) : String((v * 10_000).rounded() / 10_000)
    }
}
