import Foundation
import Hummingbird
import Logging

/// Routes every request of the server. Paths are matched here rather than with Hummingbird's
/// router because the API's `name:action` segments carry their action after a colon, which the
/// router cannot split.
struct ServeResponder: HTTPResponder {
    typealias Context = ServeRequestContext
    let core: ServingCore

    func respond(to request: Request, context: ServeRequestContext) async throws -> Response {
        let started = ContinuousClock.now
        let route = ServeRoute(request.method, path: request.uri.path)
        var response: Response
        do throws(ServeError) {
            if core.draining && route.model != nil { throw .shuttingDown }
            response = try await answer(route, request: request, context: context)
        } catch {
            response = JSONAnswer.error(error)
            let metadata: Logger.Metadata = ["model": .string(route.model ?? "-"), "status": .stringConvertible(error.status.code)]
            if error.status.code >= 500 {
                core.logger.warning("\(request.method) \(request.uri.path): \(error)", metadata: metadata)
            } else {
                core.logger.debug("\(request.method) \(request.uri.path): \(error)", metadata: metadata)
            }
        }
        if let model = route.model, route.countsAsRequest {
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            // Labels come from what the server knows, never from the path alone: names and versions that
            // do not exist would otherwise add a metric series each, and memory without bound.
            let answeredVersion = response.headers[ServeRoute.versionHeader]
            let label = answeredVersion != nil || core.repository.status(of: model) != nil ? model : "-"
            core.metrics.request(model: label, version: answeredVersion ?? "-", status: response.status.code, seconds: seconds)
        }
        return response
    }

    private func answer(_ route: ServeRoute, request: Request, context: ServeRequestContext) async throws(ServeError) -> Response {
        switch route.endpoint {
        case .health:
            return JSONAnswer.response(.ok, ["status": "alive"])
        case .ready:
            return core.readiness()
        case .metrics:
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                            body: .init(byteBuffer: ByteBuffer(string: core.metricsText())))
        case .listModels:
            return JSONAnswer.response(.ok, core.modelList())
        case .model(let name):
            return JSONAnswer.response(.ok, try core.modelDetails(name))
        case .predict(let name, let version):
            return try await core.predict(name, version: version, body: try await body(of: request))
        case .generate(let name, let version):
            return try await core.generate(name, version: version, body: try await body(of: request))
        case .admin(let action):
            guard core.configuration.adminEnabled else {
                throw .forbidden("admin endpoints are disabled; start the server with --admin")
            }
            guard core.configuration.adminAllowNonLoopback || context.isLoopbackClient else {
                throw .forbidden("admin endpoints answer clients on this machine only (start the server with --admin-any-host)")
            }
            return try await core.admin(action, body: try await body(of: request))
        case .wrongMethod(let allowed):
            throw .methodNotAllowed("\(request.method) is not allowed on \(request.uri.path); use \(allowed)")
        case .unknown(let reason):
            throw .notFound(reason)
        }
    }

    /// The request body, at most `maxBodyBytes`.
    private func body(of request: Request) async throws(ServeError) -> ByteBuffer {
        let limit = core.configuration.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw .bodyTooLarge(limit: limit)
        }
        do {
            return try await request.body.collect(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw .bodyTooLarge(limit: limit)
        } catch {
            throw .badRequest("could not read the request body: \(error)")
        }
    }
}
