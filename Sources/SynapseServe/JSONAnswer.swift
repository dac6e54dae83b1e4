import Foundation
import Hummingbird
import SynapseJobs

/// JSON bodies in and out of the routes.
enum JSONAnswer {
    /// A response with `object` as its JSON body.
    static func response(_ status: HTTPResponse.Status, _ object: Any, headers: HTTPFields = [:]) -> Response {
        let data = ResponseJSON.encode(object)
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The error response of `error` (429 adds `Retry-After: 1`).
    static func error(_ error: ServeError) -> Response {
        var headers: HTTPFields = [:]
        if case .queueFull = error { headers[.retryAfter] = "1" }
        return response(error.status, error.jsonObject, headers: headers)
    }

    /// The request body parsed as a JSON object.
    /// - Throws: `ServeError.badRequest` for an empty body, non-JSON or another top-level type.
    static func object(from body: ByteBuffer) throws(ServeError) -> [String: Any] {
        guard body.readableBytes > 0 else { throw .badRequest("the request body is empty; expected a JSON object") }
        let parsed: Any
        do {
            parsed = try body.withUnsafeReadableBytes { bytes throws(RequestJSON.Failure) in try RequestJSON.parse(bytes) }
        } catch {
            throw .badRequest("the request body is not valid JSON: \(error)")
        }
        guard let object = parsed as? [String: Any] else {
            throw .badRequest("the request body must be a JSON object, found \(typeName(parsed))")
        }
        return object
    }

    /// The JSON type of a parsed value ("array", "string", ...), for messages.
    static func typeName(_ value: Any) -> String {
        switch value {
        case is [String: Any]: "object"
        case is [Any]: "array"
        case is String: "string"
        case is NSNull: "null"
        case is Double: "number"
        case is Bool: "boolean"
        case let n as NSNumber: isBool(n) ? "boolean" : "number"
        default: "value"
        }
    }

    /// Whether a parsed number is a JSON boolean.
    static func isBool(_ number: NSNumber) -> Bool { JSONExamples.isBool(number) }

    /// An integer from a parsed JSON value (not a boolean, no fraction).
    static func integer(_ value: Any) -> Int? {
        guard let d = number(value) else { return nil }
        guard d.isFinite, d == d.rounded(), abs(d) < 9e15 else { return nil }
        return Int(d)
    }

    /// A number from a parsed JSON value (not a boolean).
    static func number(_ value: Any) -> Double? { JSONExamples.number(value) }
}
