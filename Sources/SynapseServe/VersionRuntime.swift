import Foundation
import Logging
import SynapseJobs

/// What runs one loaded model version: its batcher or generation workers, and its drift monitor.
final class VersionRuntime: @unchecked Sendable {
    // @unchecked: `warned` is only touched under `lock`; the rest is immutable.
    /// The model's name.
    let model: String
    /// The version.
    let version: Int
    /// The loaded model.
    let servable: LoadedServable
    /// Batches predictions (predictors).
    let batcher: PredictionBatcher?
    /// Runs generation (language models).
    let generator: GenerationWorkers?
    /// Watches drift, where the configuration builds a monitor.
    let drift: (any ServingDriftMonitor)?
    private let lock = NSLock()
    private var warned: Set<String> = []

    /// Starts the workers of `servable`.
    init(model: String, version: Int, servable: LoadedServable, url: URL, configuration: ServerConfiguration, metrics: ServeMetrics) {
        self.model = model
        self.version = version
        self.servable = servable
        let drift = configuration.driftMonitorFactory(url, servable.info)
        self.drift = drift
        let name = "\(model)/\(version)"
        switch servable {
        case .predictor(let predictor):
            batcher = PredictionBatcher(
                model: predictor, name: name, maxBatch: configuration.maxBatch,
                maxDelayMicroseconds: configuration.maxDelayMicroseconds, maxQueuedRows: configuration.maxQueuedRows,
                workers: configuration.workersPerModel, serialWorkers: !configuration.batchesUseThreadPool,
                onBatch: { rows, queued in metrics.batch(model: model, rows: rows, queued: queued) },
                onAnswered: { rows, count, predictions in
                    guard let drift else { return }
                    let width = predictor.info.rowWidth
                    for (i, prediction) in zip(0..<count, predictions) {
                        let start = rows.startIndex + i * width
                        drift.observe(features: predictor.driftFeatures(of: rows[start..<start + width]), prediction: prediction)
                    }
                })
            generator = nil
        case .languageModel(let languageModel):
            batcher = nil
            generator = GenerationWorkers(model: languageModel, name: name, workers: configuration.workersPerModel,
                                          serialWorkers: !configuration.batchesUseThreadPool, maxQueued: configuration.maxQueuedRows)
        }
    }

    /// Exports the drift statistics and logs a warning the first time a feature's PSI crosses
    /// `threshold` (again only after it fell back below).
    func exportDrift(metrics: ServeMetrics, threshold: Double, logger: Logger) {
        guard let drift else { return }
        for statistic in drift.statistics() {
            metrics.drift(model: model, version: String(version), statistic: statistic)
            let crossed = statistic.psi > threshold
            let isNew = lock.withLock {
                if crossed { return warned.insert(statistic.feature).inserted }
                warned.remove(statistic.feature)
                return false
            }
            if isNew {
                logger.warning("drift: PSI \(statistic.psi) of feature '\(statistic.feature)' is above \(threshold)",
                               metadata: ["model": .string(model), "version": .string(String(version))])
            }
        }
    }

    /// Rows or requests waiting.
    var queueDepth: Int { batcher?.queueDepth ?? generator?.queueDepth ?? 0 }

    /// Lets the workers finish and end.
    func stop() {
        batcher?.stop()
        generator?.stop()
    }
}
