import Foundation
import SynapseJobs

/// How `InferenceServer` listens, batches, limits and routes requests.
public struct ServerConfiguration: Sendable {
    /// Address to bind (`127.0.0.1` keeps the server local; `0.0.0.0` opens it to the network).
    public var host: String = "127.0.0.1"
    /// Port to bind; 0 asks the system for a free one (see `InferenceServer.boundPort()`).
    public var port: Int = 8080
    /// The most rows one `predict` call runs (a larger single request still runs whole, alone).
    public var maxBatch: Int = 64
    /// How long a free worker waits for more rows before running a partial batch. 0 runs whatever
    /// is queued at once, so a lone batch-1 request is never delayed.
    public var maxDelayMicroseconds: Int = 0
    /// Batches of one model version that run at the same time, each on its own thread (never on
    /// the event loop).
    public var workersPerModel: Int = ServerConfiguration.defaultWorkersPerModel
    /// Half the active cores, at least 1: the other half runs the network event loops, which
    /// parse, validate and answer every request (measured on 2 cores with a 784-input MLP: one
    /// worker answered 10% more requests per second than two, at a lower p99).
    public static var defaultWorkersPerModel: Int { max(1, ProcessInfo.processInfo.activeProcessorCount / 2) }
    /// Whether a batch may use the process's shared intra-op thread pool (all cores). Off by
    /// default: each batch runs on its worker thread alone, and parallelism comes from
    /// `workersPerModel` batches side by side. Waking the pool's team costs tens of microseconds
    /// per batch, more than a small model's whole batch-1 forward pass; turn it on for large
    /// models served at low concurrency.
    public var batchesUseThreadPool: Bool = false
    /// Rows that may wait in one model version's queue; more are refused with 429 and `Retry-After: 1`.
    public var maxQueuedRows: Int = 8192
    /// Largest request body accepted; larger ones get 413.
    public var maxBodyBytes: Int = 32 * 1024 * 1024
    /// Seconds a request may wait for its answer before it gets 504.
    public var requestTimeout: Double = 30
    /// Whether the `/v1/admin/...` endpoints answer (otherwise they answer 403).
    public var adminEnabled: Bool = false
    /// Whether admin requests from other hosts than loopback are accepted (otherwise 403).
    public var adminAllowNonLoopback: Bool = false
    /// Share (0…1) of requests naming no version that go to the newest loaded version other than
    /// the serving one.
    public var canaryFraction: Double = 0
    /// Instead of answering from the canary, send it a copy of each request and only compare its
    /// outputs with the serving version's.
    public var shadow: Bool = false
    /// Population stability index above which the drift monitor logs a warning (once per feature
    /// until it falls back below).
    public var psiThreshold: Double = 0.2
    /// Seed of the generator that picks canary requests (tests fix it; nil draws from the system).
    public var canarySeed: UInt64? = nil
    /// Builds the drift monitor of a loaded version (its directory and what it is); nil for none.
    /// By default, a `ProfileDriftMonitor` over the last 1,000 answered rows wherever the training
    /// run saved a profile beside the weights.
    public var driftMonitorFactory: @Sendable (URL, ServableModelInfo) -> (any ServingDriftMonitor)? = ProfileDriftMonitor.factory()

    /// The defaults: local, port 8080, batches of up to 64 rows without waiting, a worker per two cores.
    public init() {}

    /// Checks the values, naming the offending setting.
    /// - Throws: `ServeConfigurationError` for a value out of range.
    public func validate() throws(ServeConfigurationError) {
        func check(_ ok: Bool, _ setting: String, _ reason: String) throws(ServeConfigurationError) {
            if !ok { throw ServeConfigurationError(setting: setting, reason: reason) }
        }
        try check(!host.isEmpty, "host", "must not be empty")
        try check((0...65535).contains(port), "port", "must be 0…65535, got \(port)")
        try check(maxBatch >= 1, "maxBatch", "must be at least 1, got \(maxBatch)")
        try check(maxDelayMicroseconds >= 0, "maxDelayMicroseconds", "must be 0 or more, got \(maxDelayMicroseconds)")
        try check(workersPerModel >= 1, "workersPerModel", "must be at least 1, got \(workersPerModel)")
        try check(maxQueuedRows >= 1, "maxQueuedRows", "must be at least 1, got \(maxQueuedRows)")
        try check(maxBodyBytes >= 1, "maxBodyBytes", "must be at least 1, got \(maxBodyBytes)")
        try check(requestTimeout > 0 && requestTimeout.isFinite, "requestTimeout", "must be a positive number of seconds, got \(requestTimeout)")
        try check((0...1).contains(canaryFraction), "canaryFraction", "must be between 0 and 1, got \(canaryFraction)")
        try check(psiThreshold > 0, "psiThreshold", "must be positive, got \(psiThreshold)")
    }
}

/// A server setting out of range.
public struct ServeConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The setting ("maxBatch").
    public var setting: String
    /// What is wrong with it.
    public var reason: String

    /// An error.
    public init(setting: String, reason: String) {
        self.setting = setting
        self.reason = reason
    }

    /// "server setting maxBatch: must be at least 1, got 0".
    public var description: String { "server setting \(setting): \(reason)" }
}
