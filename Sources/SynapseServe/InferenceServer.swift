import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The HTTP inference server: answers `:predict` and `:generate` requests for the models of a
/// `ModelRepository`, batching them per model version on worker threads (see docs/serving.md).
///
/// ```swift
/// let repository = ModelRepository(directory: URL(fileURLWithPath: "models"))
/// try repository.loadAll()
/// let server = try InferenceServer(configuration: ServerConfiguration(), repository: repository)
/// try await ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger).run()
/// ```
///
/// It is a `Service`: on graceful shutdown it stops accepting connections, lets requests in
/// flight finish, and answers requests that still arrive with 503.
public final class InferenceServer: Service, Sendable {
    /// The settings it runs with.
    public let configuration: ServerConfiguration
    /// The models it serves.
    public let repository: ModelRepository
    let core: ServingCore
    private let bound = AnswerSlot<Int>()
    private let logger: Logger

    /// A server for the loaded `repository` (call `repository.loadAll()` first).
    /// - Throws: `ServeConfigurationError` for a setting out of range.
    public init(configuration: ServerConfiguration, repository: ModelRepository,
                logger: Logger = Logger(label: "synapse.serve")) throws {
        try configuration.validate()
        self.configuration = configuration
        self.repository = repository
        self.logger = logger
        repository.markStarted()
        core = ServingCore(configuration: configuration, repository: repository, logger: logger)
    }

    /// The Hummingbird application behind the server.
    func makeApplication() -> some ApplicationProtocol {
        let bound = self.bound
        return Application(
            responder: ServeResponder(core: core),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "synapse"),
            onServerRunning: { channel in bound.complete(.success(channel.localAddress?.port ?? 0)) },
            logger: logger
        )
    }

    /// Runs until cancelled or shut down gracefully.
    public func run() async throws {
        let core = self.core
        defer { core.stopAll() }
        do {
            try await withGracefulShutdownHandler {
                try await makeApplication().run()
            } onGracefulShutdown: {
                core.draining = true
            }
        } catch {
            // A server that never listened (address in use) must not leave `listeningPort()` waiting.
            bound.complete(.failure(error))
            throw error
        }
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully (requests in flight finish);
    /// `onListening` hears the bound port once the server listens.
    public func runUntilSignalled(onListening: @escaping @Sendable (Int) async -> Void) async throws {
        let services = ServiceGroup(configuration: .init(services: [self], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            await onListening(try await listeningPort())
            try await group.waitForAll()
        }
    }

    /// The port the server listens on, once it does (useful with port 0).
    /// - Throws: `ServeError.timeout` when it is not listening within `timeout` seconds.
    public func listeningPort(timeout: Double = 30) async throws -> Int {
        try await bound.value(timeout: timeout)
    }

    /// Makes Swift concurrency run its tasks on the server's event loop threads (SwiftNIO's
    /// singleton group, which Hummingbird serves on) instead of a separate pool; call it once, from
    /// the main thread, before any task starts. Returns false when that was too late or not possible.
    ///
    /// Why: each request's handler is a task; on the default pool every request crosses from the
    /// event loop to a pool thread and back, two thread wake-ups that cost more than the inference
    /// of a small model. Inference itself stays on the batchers' worker threads, so the event loops
    /// only parse, validate and write. `synapse serve` does this; embedders decide for their process.
    @discardableResult
    public static func runTasksOnEventLoops() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    /// The Prometheus text `/metrics` answers.
    public func metricsText() -> String { core.metricsText() }
}
