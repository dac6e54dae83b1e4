import Foundation
import Logging
import SynapseJobs

/// The state behind the routes: the repository, the running versions, metrics, canary choice and
/// the draining flag.
final class ServingCore: @unchecked Sendable {
    // @unchecked: `runtimes`, `random` and `draining` are only touched under `lock`.
    let configuration: ServerConfiguration
    let repository: ModelRepository
    let metrics = ServeMetrics()
    let logger: Logger
    private let lock = NSLock()
    private var runtimes: [String: VersionRuntime] = [:]
    private var random: SplitMix64
    private var drainingFlag = false

    init(configuration: ServerConfiguration, repository: ModelRepository, logger: Logger) {
        self.configuration = configuration
        self.repository = repository
        self.logger = logger
        self.random = SplitMix64(seed: configuration.canarySeed ?? UInt64.random(in: 0...UInt64.max))
        for name in repository.modelNames {
            if let serving = repository.status(of: name)?.servingVersion { metrics.servingVersion(model: name, version: serving) }
        }
    }

    /// True once graceful shutdown began: new requests get 503.
    var draining: Bool {
        get { lock.withLock { drainingFlag } }
        set { lock.withLock { drainingFlag = newValue } }
    }

    /// The runtime of `version` of `name` (started on first use; a reloaded version gets a new one).
    func runtime(_ name: String, version: Int, servable: LoadedServable, url: URL) -> VersionRuntime {
        let key = "\(name)/\(version)"
        let (runtime, replaced): (VersionRuntime, VersionRuntime?) = lock.withLock {
            if let existing = runtimes[key], existing.servable.identity == servable.identity { return (existing, nil) }
            let fresh = VersionRuntime(model: name, version: version, servable: servable, url: url,
                                       configuration: configuration, metrics: metrics)
            let old = runtimes[key]
            runtimes[key] = fresh
            return (fresh, old)
        }
        replaced?.stop()
        return runtime
    }

    /// Stops the runtime of `version` of `name`, if one runs.
    func stopRuntime(_ name: String, version: Int) {
        lock.withLock { runtimes.removeValue(forKey: "\(name)/\(version)") }?.stop()
    }

    /// Stops every runtime (after shutdown).
    func stopAll() {
        lock.withLock { defer { runtimes = [:] }; return Array(runtimes.values) }.forEach { $0.stop() }
    }

    /// True with probability `canaryFraction` (from the seeded generator).
    func drawCanary() -> Bool {
        guard configuration.canaryFraction > 0 else { return false }
        return lock.withLock { Double(random.next() >> 11) / Double(1 << 53) } < configuration.canaryFraction
    }

    /// The metrics text, with queue depths and drift statistics brought up to date.
    func metricsText() -> String {
        let running = lock.withLock { Array(runtimes.values) }
        var depth: [String: Int] = [:]
        for runtime in running {
            depth[runtime.model, default: 0] += runtime.queueDepth
            runtime.exportDrift(metrics: metrics, threshold: configuration.psiThreshold, logger: logger)
        }
        for name in repository.modelNames { metrics.queueDepth(model: name, rows: depth[name] ?? 0) }
        return metrics.text()
    }
}

extension LoadedServable {
    /// The loaded object's identity (a reloaded version is a new object).
    var identity: ObjectIdentifier {
        switch self {
        case .predictor(let m): ObjectIdentifier(m)
        case .languageModel(let m): ObjectIdentifier(m)
        }
    }
}

/// A small seeded generator (SplitMix64), so canary tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    /// A generator starting from `seed`.
    init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
