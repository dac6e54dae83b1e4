import SynapseCore
import SynapseEval
import SynapseOptim

/// A `--monitor` name (for `EarlyStopping`, `ModelCheckpoint`, `ReduceLROnPlateau`) that the run
/// never logs. Such a callback would silently never fire, so the name is refused up front.
public struct UnknownMonitorError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The option that named it (`monitor`).
    public let option: String
    /// The name given.
    public let name: String
    /// The epoch logs the run writes, sorted.
    public let valid: [String]

    /// The message shown to the user.
    public var description: String {
        "--\(option): \"\(name)\" is not logged by this run; choose one of: \(valid.joined(separator: ", "))"
    }
}

/// The epoch-log names a run writes, which are the names a callback may monitor.
///
/// `Trainer` logs `loss`, `lr`, `epoch_seconds`; `val_loss` and `val_<metric>` when there is a
/// validation loader; `<metric>` on the training set when `trainMetrics` is on.
public enum MonitorNames {
    /// The epoch logs of a `Trainer` run with metric function names `metrics` (e.g. `["accuracy"]`).
    public static func epochLogs(metrics: [String], validation: Bool, trainMetrics: Bool = false) -> [String] {
        var names = ["loss", "lr", "epoch_seconds"]
        if trainMetrics { names += metrics }
        if validation { names += ["val_loss"] + metrics.map { "val_" + $0 } }
        return names.sorted()
    }

    /// The epoch logs of an image or tabular classification run (accuracy, with validation).
    public static let classification = epochLogs(metrics: ["accuracy"], validation: true)

    /// The epoch logs of a regression or forecasting run (MSE and MAE, with validation).
    public static let regression = epochLogs(metrics: ["mse", "mae"], validation: true)

    /// Throws unless `name` is one of `valid`.
    /// - Parameter option: the flag or key that named it, for the message (without dashes).
    /// - Throws: `UnknownMonitorError` listing the valid names.
    public static func validate(_ name: String, against valid: [String], option: String = "monitor") throws(UnknownMonitorError) {
        guard valid.contains(name) else { throw UnknownMonitorError(option: option, name: name, valid: valid.sorted()) }
    }
}

extension EarlyStopping {
    /// Early stopping on `monitor`, checked against the epoch logs the run writes.
    /// - Throws: `UnknownMonitorError` when `loggedNames` does not contain `monitor`.
    public convenience init(monitor: String, loggedNames: [String], mode: MetricMode = .min, patience: Int = 5,
                            minDelta: Double = 0, restoreBestWeights: Bool = true) throws(UnknownMonitorError) {
        try MonitorNames.validate(monitor, against: loggedNames)
        self.init(monitor: monitor, mode: mode, patience: patience, minDelta: minDelta, restoreBestWeights: restoreBestWeights)
    }
}
