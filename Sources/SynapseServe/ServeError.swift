import Foundation
import Hummingbird
import SynapseJobs

/// Why a request was not answered: the status and the `{"error": {...}}` body the server sends.
public enum ServeError: Error, Sendable, CustomStringConvertible {
    /// The request itself is wrong (400).
    case badRequest(String)
    /// An instance failed validation (400 with `index` and `field`).
    case invalidInstance(InstanceError)
    /// No such model, version or endpoint (404).
    case notFound(String)
    /// The endpoint exists but not for this method (405).
    case methodNotAllowed(String)
    /// Admin endpoints are off or the client is not local (403).
    case forbidden(String)
    /// The action conflicts with the model's state (409), such as unloading the serving version.
    case conflict(String)
    /// The body is larger than the limit (413).
    case bodyTooLarge(limit: Int)
    /// The model's queue is full (429, `Retry-After: 1`).
    case queueFull(limit: Int)
    /// The model is not ready: loading, failed or unloaded (503).
    case unavailable(String)
    /// The server is shutting down (503).
    case shuttingDown
    /// No answer within the request timeout (504).
    case timeout(seconds: Double)
    /// Something the server did not expect (500).
    case internalError(String)

    /// The HTTP status.
    public var status: HTTPResponse.Status {
        switch self {
        case .badRequest, .invalidInstance: .badRequest
        case .notFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .forbidden: .forbidden
        case .conflict: .conflict
        case .bodyTooLarge: .contentTooLarge
        case .queueFull: .tooManyRequests
        case .unavailable, .shuttingDown: .serviceUnavailable
        case .timeout: .gatewayTimeout
        case .internalError: .internalServerError
        }
    }

    /// The machine-readable code ("invalid_instance").
    public var code: String {
        switch self {
        case .badRequest: "bad_request"
        case .invalidInstance: "invalid_instance"
        case .notFound: "not_found"
        case .methodNotAllowed: "method_not_allowed"
        case .forbidden: "forbidden"
        case .conflict: "conflict"
        case .bodyTooLarge: "body_too_large"
        case .queueFull: "queue_full"
        case .unavailable: "unavailable"
        case .shuttingDown: "shutting_down"
        case .timeout: "timeout"
        case .internalError: "internal"
        }
    }

    /// What went wrong, for people.
    public var description: String {
        switch self {
        case .badRequest(let m), .notFound(let m), .methodNotAllowed(let m), .forbidden(let m), .conflict(let m),
             .unavailable(let m), .internalError(let m):
            m
        case .invalidInstance(let e): e.description
        case .bodyTooLarge(let limit): "request body is larger than the limit of \(limit) bytes"
        case .queueFull(let limit): "the model's queue is full (\(limit) waiting); retry shortly"
        case .shuttingDown: "the server is shutting down"
        case .timeout(let s): "no answer within the request timeout of \(s) s"
        }
    }

    /// The body: `{"error": {"code", "message", "index"?, "field"?}}`.
    public var jsonObject: [String: Any] {
        var error: [String: Any] = ["code": code, "message": description]
        if case .invalidInstance(let e) = self {
            error["index"] = e.index
            error["field"] = e.field
        }
        return ["error": error]
    }
}
