import Foundation
import HTTPTypes
import Hummingbird

/// A request's endpoint, parsed from its method and path.
struct ServeRoute {
    /// Response header naming the version that answered (metrics read it; clients may too).
    static let versionHeader = HTTPField.Name("X-Synapse-Model-Version")!

    /// An admin action.
    enum AdminAction {
        case load(model: String, version: String)
        case unload(model: String, version: String)
        case serve(model: String)
        case rollback(model: String)
    }

    /// The endpoints.
    enum Endpoint {
        case health, ready, metrics, listModels
        case model(String)
        case predict(String, version: String?)
        case generate(String, version: String?)
        case admin(AdminAction)
        case wrongMethod(allowed: String)
        case unknown(String)
    }

    let endpoint: Endpoint

    /// The model the request names, if any.
    var model: String? {
        switch endpoint {
        case .model(let m), .predict(let m, _), .generate(let m, _): m
        case .admin(.load(let m, _)), .admin(.unload(let m, _)), .admin(.serve(let m)), .admin(.rollback(let m)): m
        default: nil
        }
    }

    /// The version the request names, if any.
    var version: String? {
        switch endpoint {
        case .predict(_, let v), .generate(_, let v): v
        default: nil
        }
    }

    /// Whether the request is an inference request (counted in `synapse_requests_total`).
    var countsAsRequest: Bool {
        switch endpoint {
        case .predict, .generate: true
        default: false
        }
    }

    init(_ method: HTTPRequest.Method, path: String) {
        // Foundation's percent decoding costs microseconds per call on Linux: only where there is a '%'.
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map { segment in
            segment.contains("%") ? segment.removingPercentEncoding ?? String(segment) : String(segment)
        }
        endpoint = Self.parse(method, segments, path: path)
    }

    private static func parse(_ method: HTTPRequest.Method, _ s: [String], path: String) -> Endpoint {
        func only(_ allowed: HTTPRequest.Method, _ endpoint: Endpoint) -> Endpoint {
            method == allowed ? endpoint : .wrongMethod(allowed: allowed.rawValue)
        }
        func inference(_ name: String, _ version: String?, _ action: String) -> Endpoint? {
            switch action {
            case "predict": only(.post, .predict(name, version: version))
            case "generate": only(.post, .generate(name, version: version))
            default: nil
            }
        }
        var unknown: Endpoint { .unknown("no endpoint \(path) (see docs/openapi.yaml)") }
        switch s.count {
        case 1 where s[0] == "healthz": return only(.get, .health)
        case 1 where s[0] == "readyz": return only(.get, .ready)
        case 1 where s[0] == "metrics": return only(.get, .metrics)
        case 2 where s == ["v1", "models"]: return only(.get, .listModels)
        case 3 where s[0] == "v1" && s[1] == "models":
            guard let (name, action) = split(s[2]) else { return only(.get, .model(s[2])) }
            return inference(name, nil, action) ?? unknown
        case 5 where s[0] == "v1" && s[1] == "models" && s[3] == "versions":
            guard let (version, action) = split(s[4]) else { return unknown }
            return inference(s[2], version, action) ?? unknown
        case 4 where s[0] == "v1" && s[1] == "admin" && s[2] == "models":
            switch split(s[3]) {
            case (let name, "serve")?: return only(.post, .admin(.serve(model: name)))
            case (let name, "rollback")?: return only(.post, .admin(.rollback(model: name)))
            default: return unknown
            }
        case 6 where s[0] == "v1" && s[1] == "admin" && s[2] == "models" && s[4] == "versions":
            switch split(s[5]) {
            case (let version, "load")?: return only(.post, .admin(.load(model: s[3], version: version)))
            case (let version, "unload")?: return only(.post, .admin(.unload(model: s[3], version: version)))
            default: return unknown
            }
        default: return unknown
        }
    }

    /// "name:action" split at its last colon.
    private static func split(_ segment: String) -> (String, String)? {
        guard let colon = segment.lastIndex(of: ":") else { return nil }
        return (String(segment[..<colon]), String(segment[segment.index(after: colon)...]))
    }
}
