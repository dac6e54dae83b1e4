import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
@testable import SynapseServe
import Testing

/// An answer of the live test server.
struct Answer: @unchecked Sendable {
    // @unchecked: `json` holds JSONSerialization values, read-only after parsing.
    var status: Int
    var headers: HTTPFields
    var text: String
    var json: [String: Any]

    /// The `error` object of an error answer.
    var error: [String: Any] { json["error"] as? [String: Any] ?? [:] }
}

/// A server running on 127.0.0.1 on a free port, for one test.
struct LiveServer: Sendable {
    let server: InferenceServer
    let port: Int

    /// Sends one request on a connection of its own (so concurrent requests really run concurrently).
    func send(_ method: HTTPRequest.Method, _ uri: String, body: String? = nil) async throws -> Answer {
        let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(20)))
        client.connect()
        defer { Task { try? await client.shutdown() } }
        var headers: HTTPFields = [:]
        if body != nil { headers[.contentType] = "application/json" }
        let response = try await client.execute(.init(uri, method: method, authority: "127.0.0.1", headers: headers,
                                                      body: body.map { ByteBuffer(string: $0) }))
        let text = response.body.map { String(buffer: $0) } ?? ""
        let json = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
        return Answer(status: Int(response.status.code), headers: response.headers, text: text, json: json)
    }

    /// `POST` of a JSON body.
    func post(_ uri: String, _ body: String = "{}") async throws -> Answer { try await send(.post, uri, body: body) }

    /// `GET`.
    func get(_ uri: String) async throws -> Answer { try await send(.get, uri) }
}

/// Runs `body` against a live server over `repository`, then shuts the server down gracefully.
func withLiveServer(_ repository: ModelRepository, configure: (inout ServerConfiguration) -> Void = { _ in },
                    _ body: @Sendable (LiveServer) async throws -> Void) async throws {
    var configuration = ServerConfiguration()
    configuration.port = 0
    configure(&configuration)
    var logger = Logger(label: "synapse.serve.test")
    logger.logLevel = .error
    let server = try InferenceServer(configuration: configuration, repository: repository, logger: logger)
    let group = ServiceGroup(configuration: .init(services: [server], logger: logger))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            let port = try await server.listeningPort(timeout: 10)
            try await body(LiveServer(server: server, port: port))
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}

/// Polls `condition` every 10 ms until it holds (records an issue after `seconds`): states, not
/// sleeps, order the serving tests, so a loaded machine only makes them slower.
func waitUntil(seconds: Double = 20, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while try await !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("the condition did not hold within \(seconds) s")
            return
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}
