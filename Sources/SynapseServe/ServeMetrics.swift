import Foundation
import Prometheus
import Synchronization

/// The server's Prometheus metrics, on a registry of its own (so several servers can run in one
/// process without sharing counters).
final class ServeMetrics: Sendable {
    /// The registry `/metrics` writes out.
    let registry = PrometheusCollectorRegistry()

    private static func name(_ metric: String, _ help: String, unit: String = "") -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: metric, unitName: unit, helpText: help)
    }

    private static var requests: MetricNameDescriptor { name("synapse_requests", "Requests answered, by model, version and HTTP status.", unit: "total") }
    private static var duration: MetricNameDescriptor { name("synapse_request_duration", "Time from request to answer.", unit: "seconds") }
    private static var batchSize: MetricNameDescriptor { name("synapse_batch_size", "Rows per model call.") }
    private static var queueDepth: MetricNameDescriptor { name("synapse_queue_depth", "Rows waiting for a worker.") }
    private static var modelVersion: MetricNameDescriptor { name("synapse_model_version", "The serving version of each model.") }
    private static var shadowAgreement: MetricNameDescriptor { name("synapse_shadow_agreement", "Shadow answers compared with the serving version's.",
                                              unit: "total") }
    private static var shadowDifference: MetricNameDescriptor { name("synapse_shadow_abs_difference", "Absolute difference of shadow regression outputs.") }
    private static var psi: MetricNameDescriptor { name("synapse_drift_psi", "Population stability index of a feature against the training profile.") }
    private static var ks: MetricNameDescriptor { name("synapse_drift_ks", "Kolmogorov-Smirnov statistic of a feature against the training profile.") }

    private static let durationBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
    private static let batchBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]

    /// The per-request metrics of one model, version and status, looked up once: the registry's
    /// lookup builds label arrays and names on every call, a few percent of a small request.
    private struct RequestMetrics: @unchecked Sendable {
        // @unchecked: Prometheus' counters and histograms are thread-safe classes.
        let count: Counter
        let duration: ValueHistogram
    }
    private struct RequestKey: Hashable {
        let model: String, version: String, status: Int
    }
    private let requestMetrics = Mutex<[RequestKey: RequestMetrics]>([:])

    /// Counts one answered request and its duration.
    func request(model: String, version: String, status: Int, seconds: Double) {
        let key = RequestKey(model: model, version: version, status: status)
        let metrics = requestMetrics.withLock { cache in
            if let cached = cache[key] { return cached }
            let made = RequestMetrics(
                count: registry.makeCounter(descriptor: Self.requests, labels: [("model", model), ("version", version), ("status", String(status))]),
                duration: registry.makeValueHistogram(descriptor: Self.duration, labels: [("model", model)], buckets: Self.durationBuckets))
            cache[key] = made
            return made
        }
        metrics.count.increment()
        metrics.duration.record(seconds)
    }

    /// Records one model call of `rows` rows and the rows still queued.
    func batch(model: String, rows: Int, queued: Int) {
        registry.makeValueHistogram(descriptor: Self.batchSize, labels: [("model", model)], buckets: Self.batchBuckets)
            .record(Double(rows))
        queueDepth(model: model, rows: queued)
    }

    /// Sets the queue depth of `model`.
    func queueDepth(model: String, rows: Int) {
        registry.makeGauge(descriptor: Self.queueDepth, labels: [("model", model)]).set(to: Double(rows))
    }

    /// Sets the serving version of `model`.
    func servingVersion(model: String, version: Int) {
        registry.makeGauge(descriptor: Self.modelVersion, labels: [("model", model)]).set(to: Double(version))
    }

    /// Counts one shadow comparison.
    func shadow(model: String, version: String, agreed: Bool, difference: Double?) {
        registry.makeCounter(descriptor: Self.shadowAgreement,
                             labels: [("model", model), ("version", version), ("agreed", agreed ? "true" : "false")]).increment()
        if let difference {
            registry.makeValueHistogram(descriptor: Self.shadowDifference, labels: [("model", model)],
                                        buckets: [0.001, 0.01, 0.1, 1, 10, 100]).record(difference)
        }
    }

    /// Sets the drift gauges of one feature.
    func drift(model: String, version: String, statistic: DriftFeatureStatistic) {
        let labels = [("model", model), ("version", version), ("feature", statistic.feature)]
        registry.makeGauge(descriptor: Self.psi, labels: labels).set(to: statistic.psi)
        registry.makeGauge(descriptor: Self.ks, labels: labels).set(to: statistic.ks)
    }

    /// The exposition text.
    func text() -> String { registry.emitToString() }
}
