import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `synapse models`: lists and manages the models of a running `synapse serve` (admin API).
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List or manage the models of a running `synapse serve`.",
        discussion: """
        list prints GET /v1/models. serve, rollback, load and unload call the admin API, which the server \
        answers only when started with --admin (and, unless --admin-any-host, only from the same machine). \
        The server's JSON answer is printed; an error answer prints its message and exits with code 1.
        """
    )

    /// What to do.
    enum Action: String, ExpressibleByArgument, CaseIterable {
        case list, serve, rollback, load, unload
    }

    @Argument(help: "list, serve, rollback, load or unload.")
    var action: Action

    @Option(help: "The server's base URL.")
    var server = "http://127.0.0.1:8080"

    @Option(help: "The model (serve, rollback, load, unload).")
    var model: String?

    @Option(help: "The version (serve, load, unload).")
    var version: String?

    func validate() throws {
        guard let url = URL(string: server), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ValidationError("--server \(server): expected a URL such as http://127.0.0.1:8080")
        }
        if action != .list && model == nil { throw ValidationError("\(action.rawValue) needs --model NAME") }
        if [Action.serve, .load, .unload].contains(action) {
            guard let version else { throw ValidationError("\(action.rawValue) needs --version V") }
            guard let v = Int(version), v > 0 else { throw ValidationError("--version \(version): expected a positive integer") }
        }
    }

    func run() throws {
        let base = server.hasSuffix("/") ? String(server.dropLast()) : server
        let name = (model ?? "").addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/:"))) ?? ""
        let (method, path, body): (String, String, [String: Any]?) = switch action {
        case .list: ("GET", "/v1/models", nil)
        case .serve: ("POST", "/v1/admin/models/\(name):serve", ["version": version ?? ""])
        case .rollback: ("POST", "/v1/admin/models/\(name):rollback", nil)
        case .load: ("POST", "/v1/admin/models/\(name)/versions/\(version ?? ""):load", nil)
        case .unload: ("POST", "/v1/admin/models/\(name)/versions/\(version ?? ""):unload", nil)
        }
        guard let url = URL(string: base + path) else { throw ValidationError("--server \(server): cannot build \(path)") }
        var request = URLRequest(url: url, timeoutInterval: 120)
        request.httpMethod = method
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (status, data) = try Self.send(request)
        let text = String(decoding: data, as: UTF8.self)
        guard (200..<300).contains(status) else {
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            let message = (object?["error"] as? [String: Any])?["message"] as? String ?? text
            throw ModelsCommandError(message: "synapse models \(action.rawValue): the server answered \(status): \(message)")
        }
        print(text)
    }

    /// Sends `request` and waits for the status and body.
    private static func send(_ request: URLRequest) throws -> (Int, Data) {
        let reply = HTTPReply()
        URLSession.shared.dataTask(with: request) { data, response, error in
            reply.finish(status: (response as? HTTPURLResponse)?.statusCode, data: data ?? Data(), error: error)
        }.resume()
        return try reply.wait(url: request.url?.absoluteString ?? "")
    }
}

/// An error answer of the server (exit code 1, its message printed).
struct ModelsCommandError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// The answer of one HTTP request, handed from URLSession's thread to the command's.
private final class HTTPReply: @unchecked Sendable {
    // @unchecked: the fields are written once before `done` is signalled and read after.
    private let done = DispatchSemaphore(value: 0)
    private var status: Int?
    private var data = Data()
    private var error: (any Error)?

    func finish(status: Int?, data: Data, error: (any Error)?) {
        self.status = status
        self.data = data
        self.error = error
        done.signal()
    }

    func wait(url: String) throws -> (Int, Data) {
        done.wait()
        if let error { throw ModelsCommandError(message: "synapse models: cannot reach \(url): \(error.localizedDescription)") }
        guard let status else { throw ModelsCommandError(message: "synapse models: no HTTP answer from \(url)") }
        return (status, data)
    }
}
