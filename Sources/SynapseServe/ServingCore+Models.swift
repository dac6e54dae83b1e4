import Foundation
import Hummingbird
import SynapseJobs

extension ServingCore {
    /// A model's versions as JSON.
    private func versionsJSON(_ status: ModelStatus) -> [[String: Any]] {
        status.versions.map { ["version": String($0.version), "state": $0.state] }
    }

    /// `GET /v1/models`: every model with its serving version and versions.
    func modelList() -> [String: Any] {
        let models: [[String: Any]] = repository.modelNames.compactMap { name in
            guard let status = repository.status(of: name) else { return nil }
            return ["name": name, "serving_version": status.servingVersion.map { String($0) as Any } ?? NSNull(),
                    "versions": versionsJSON(status)]
        }
        return ["models": models]
    }

    /// `GET /v1/models/{name}`: versions, states, and what the serving version is and takes.
    func modelDetails(_ name: String) throws(ServeError) -> [String: Any] {
        guard let status = repository.status(of: name) else { throw .notFound("no model named '\(name)'") }
        var object: [String: Any] = [
            "name": name, "versions": versionsJSON(status),
            "serving_version": status.servingVersion.map { String($0) as Any } ?? NSNull(),
            "previous_version": status.previousVersion.map { String($0) as Any } ?? NSNull(),
        ]
        if let found = try? repository.resolve(name, version: nil) {
            let info = found.servable.info
            object["task"] = info.task.rawValue
            object["input_schema"] = info.inputSchema.jsonObject
            object["class_names"] = info.classNames
            object["description"] = info.modelDescription
            if case .languageModel(let model) = found.servable { object["max_tokens_limit"] = model.maxTokensLimit }
        }
        return object
    }

    /// `GET /readyz`: 200 when every model has a ready serving version, else 503 with the states.
    func readiness() -> Response {
        if repository.isReady && !draining { return JSONAnswer.response(.ok, ["status": "ready"]) }
        var object = modelList()
        object["status"] = draining ? "shutting down" : "not ready"
        return JSONAnswer.response(.serviceUnavailable, object)
    }

    /// The admin endpoints.
    func admin(_ action: ServeRoute.AdminAction, body: ByteBuffer) async throws(ServeError) -> Response {
        switch action {
        case .load(let name, let versionText):
            let version = try Self.version(versionText, of: name)
            guard repository.versionDirectoryExists(name, version: version) else {
                throw .notFound("no directory \(repository.directory.path)/\(name)/\(version) to load")
            }
            // Loading reads files and builds the model: a thread of its own, off the request tasks.
            let state = await withCheckedContinuation { continuation in
                Thread { continuation.resume(returning: self.repository.load(model: name, version: version)) }.start()
            }
            stopRuntime(name, version: version)
            updateServingGauge(name)
            guard state == "ready" else { throw .internalError("version \(version) of '\(name)' failed to load: \(state)") }
            logger.notice("version loaded by admin", metadata: ["model": .string(name), "version": .string(String(version))])
            return JSONAnswer.response(.ok, ["model": name, "version": String(version), "state": state])
        case .unload(let name, let versionText):
            let version = try Self.version(versionText, of: name)
            try repository.unload(name, version: version)
            stopRuntime(name, version: version)
            logger.notice("version unloaded by admin", metadata: ["model": .string(name), "version": .string(String(version))])
            return JSONAnswer.response(.ok, ["model": name, "version": String(version), "state": "unloaded"])
        case .serve(let name):
            let object = try JSONAnswer.object(from: body)
            guard let raw = object["version"] else { throw .badRequest("the body has no \"version\" to serve") }
            let text = (raw as? String) ?? JSONAnswer.integer(raw).map { String($0) }
            guard let text else { throw .badRequest("\"version\" must be a string or integer, found \(JSONAnswer.typeName(raw))") }
            try repository.serve(name, version: try Self.version(text, of: name))
            return servingAnswer(name)
        case .rollback(let name):
            _ = try repository.rollback(name)
            return servingAnswer(name)
        }
    }

    private func servingAnswer(_ name: String) -> Response {
        updateServingGauge(name)
        let status = repository.status(of: name)
        return JSONAnswer.response(.ok, [
            "model": name,
            "serving_version": status?.servingVersion.map { String($0) as Any } ?? NSNull(),
            "previous_version": status?.previousVersion.map { String($0) as Any } ?? NSNull(),
        ])
    }

    private func updateServingGauge(_ name: String) {
        if let serving = repository.status(of: name)?.servingVersion { metrics.servingVersion(model: name, version: serving) }
    }

    private static func version(_ text: String, of name: String) throws(ServeError) -> Int {
        guard let v = Int(text), v > 0 else { throw .notFound("model '\(name)' has no version '\(text)' (versions are positive integers)") }
        return v
    }
}
