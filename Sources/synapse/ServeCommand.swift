import ArgumentParser
import Foundation
import Logging
import Synapse
import SynapseServe

/// `synapse serve`: the HTTP inference server over a model repository.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve trained models over HTTP (predict, generate, versions, metrics).",
        discussion: """
        --model-dir holds one directory per model with one numbered directory per version \
        (models/fashion/1/ is a run directory of `synapse train`); the highest version that loads serves. \
        When listening, one JSON line is printed: {"listening": "http://HOST:PORT", "models": [...]}. \
        SIGTERM or SIGINT stops accepting requests, lets those in flight finish, then exits. See docs/serving.md.
        """
    )

    @Option(help: "Model repository: DIR/<model>/<version>/.")
    var modelDir: String

    @Option(help: "Address to bind (0.0.0.0 opens the server to the network).")
    var host = "127.0.0.1"

    @Option(help: "Port to bind (0 picks a free one).")
    var port = 8080

    @Option(help: "Most rows per model call.")
    var maxBatch = 64

    @Option(name: .customLong("max-delay-us"), help: "Microseconds a worker waits for more rows (0: never wait).")
    var maxDelayUs = 0

    @Option(help: "Concurrent batches per model version, each on its own thread (default: half the cores, at least 1; the network event loops use the rest).")
    var workers: Int = ServerConfiguration.defaultWorkersPerModel

    @Flag(help: "Let each batch use the shared intra-op thread pool (all cores) instead of its worker thread alone; pays for large models at low concurrency.")
    var intraOp = false

    @Option(help: "Rows that may wait per model version before requests get 429.")
    var maxQueue = 8192

    @Option(help: "Largest request body in bytes (larger ones get 413).")
    var maxBodyBytes = 32 * 1024 * 1024

    @Option(help: "Seconds a request may wait for its answer (then 504).")
    var timeout: Double = 30

    @Flag(help: "Enable the /v1/admin endpoints (load, serve, rollback, unload).")
    var admin = false

    @Flag(help: "Let admin requests come from other hosts than this machine.")
    var adminAnyHost = false

    @Option(help: "Share of requests sent to the newest non-serving version: 10% or 0.1.")
    var canary: String?

    @Flag(help: "Send the newest non-serving version a copy of every request and only compare its answers (no --canary needed).")
    var shadow = false

    @Option(help: "Answered rows the drift monitor compares with the training-data profile.")
    var driftWindow = 1000

    @Option(help: "Population stability index above which a feature's drift is logged as a warning.")
    var psiThreshold = 0.2

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    func validate() throws {
        guard !host.isEmpty else { throw ValidationError("--host must not be empty") }
        guard (0...65535).contains(port) else { throw ValidationError("--port \(port): must be 0…65535") }
        guard maxBatch >= 1 else { throw ValidationError("--max-batch \(maxBatch): must be at least 1") }
        guard maxDelayUs >= 0 else { throw ValidationError("--max-delay-us \(maxDelayUs): must be 0 or more") }
        guard workers >= 1 else { throw ValidationError("--workers \(workers): must be at least 1") }
        guard maxQueue >= 1 else { throw ValidationError("--max-queue \(maxQueue): must be at least 1") }
        guard maxBodyBytes >= 1 else { throw ValidationError("--max-body-bytes \(maxBodyBytes): must be at least 1") }
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout \(timeout): must be a positive number of seconds") }
        _ = try canaryFraction()
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level \(logLevel): expected one of trace, debug, info, notice, warning, error, critical")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: modelDir, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--model-dir \(modelDir): not a directory (expected DIR/<model>/<version>/)")
        }
    }

    /// `--canary` as a fraction: "10%" → 0.1, "0.1" → 0.1.
    func canaryFraction() throws -> Double {
        guard let canary else { return 0 }
        let trimmed = canary.trimmingCharacters(in: .whitespaces)
        let value = trimmed.hasSuffix("%") ? Double(trimmed.dropLast()).map { $0 / 100 } : Double(trimmed)
        guard let value, (0...1).contains(value) else {
            throw ValidationError("--canary \(canary): expected a share such as 10% or 0.1 (between 0 and 1)")
        }
        return value
    }

    func run() throws {
        // Before anything starts a task: request handlers then run on the event loops (see the doc comment).
        InferenceServer.runTasksOnEventLoops()
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.maxBatch = maxBatch
        configuration.maxDelayMicroseconds = maxDelayUs
        configuration.workersPerModel = workers
        configuration.batchesUseThreadPool = intraOp
        configuration.maxQueuedRows = maxQueue
        configuration.maxBodyBytes = maxBodyBytes
        configuration.requestTimeout = timeout
        configuration.adminEnabled = admin
        configuration.adminAllowNonLoopback = adminAnyHost
        configuration.canaryFraction = try canaryFraction()
        configuration.shadow = shadow
        var logger = Logger(label: "synapse.serve")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        guard driftWindow >= 1 else { throw ValidationError("--drift-window \(driftWindow): expected at least 1") }
        guard psiThreshold > 0, psiThreshold.isFinite else { throw ValidationError("--psi-threshold \(psiThreshold): expected a positive number") }
        configuration.psiThreshold = psiThreshold
        configuration.driftMonitorFactory = ProfileDriftMonitor.factory(windowSize: driftWindow, minimumCount: min(100, driftWindow),
                                                                        logger: logger)

        let repository = ModelRepository(directory: URL(fileURLWithPath: modelDir), logger: logger)
        try repository.loadAll()
        let server = try InferenceServer(configuration: configuration, repository: repository, logger: logger)
        let host = self.host
        // The command line is synchronous; the server runs on Swift concurrency while this thread waits.
        let outcome = ServeOutcome()
        Task {
            do {
                try await server.runUntilSignalled { port in
                    let models = repository.modelNames.map { name -> [String: Any] in
                        ["name": name, "serving_version": repository.status(of: name)?.servingVersion.map { String($0) as Any } ?? NSNull()]
                    }
                    if let line = try? JSONSerialization.data(withJSONObject: ["listening": "http://\(host):\(port)", "models": models],
                                                             options: [.sortedKeys, .withoutEscapingSlashes]) {
                        // Written unbuffered so a script piping our output sees it at once.
                        FileHandle.standardOutput.write(line + Data("\n".utf8))
                    }
                }
                outcome.finish(nil)
            } catch {
                outcome.finish(error)
            }
        }
        if let error = outcome.wait() { throw error }
    }
}

/// How the server task ended, handed to the waiting command thread.
private final class ServeOutcome: @unchecked Sendable {
    // @unchecked: `error` is written once before `done` is signalled and read after.
    private let done = DispatchSemaphore(value: 0)
    private var error: (any Error)?

    func finish(_ error: (any Error)?) {
        self.error = error
        done.signal()
    }

    func wait() -> (any Error)? {
        done.wait()
        return error
    }
}
