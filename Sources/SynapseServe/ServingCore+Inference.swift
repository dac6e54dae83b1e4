import Foundation
import Hummingbird
import SynapseJobs

extension ServingCore {
    /// Which version answers a request: the named one, else the canary with probability
    /// `canaryFraction` (not in shadow mode), else the serving version.
    private func pick(_ name: String, version: String?) throws(ServeError) -> (version: Int, servable: LoadedServable, url: URL, canary: Int?) {
        if let version {
            guard let v = Int(version), v > 0 else { throw .notFound("model '\(name)' has no version '\(version)' (versions are positive integers)") }
            let found = try repository.resolve(name, version: v)
            return (found.version, found.servable, found.url, nil)
        }
        let canary = repository.canaryVersion(of: name)
        if let canary, !configuration.shadow, drawCanary(), let found = try? repository.resolve(name, version: canary) {
            return (found.version, found.servable, found.url, nil)
        }
        let found = try repository.resolve(name, version: nil)
        return (found.version, found.servable, found.url, configuration.shadow ? canary : nil)
    }

    /// `POST /v1/models/{name}[/versions/{v}]:predict`.
    func predict(_ name: String, version: String?, body: ByteBuffer) async throws(ServeError) -> Response {
        let object = try JSONAnswer.object(from: body)
        guard let raw = object["instances"] else { throw .badRequest("the body has no \"instances\" (an array of inputs)") }
        guard let instances = raw as? [Any] else {
            throw .badRequest("\"instances\" must be an array, found \(JSONAnswer.typeName(raw))")
        }
        guard !instances.isEmpty else { throw .badRequest("\"instances\" is empty; send at least one input") }
        let chosen = try pick(name, version: version)
        guard case .predictor(let model) = chosen.servable else {
            throw .badRequest("model '\(name)' is a language model; use POST /v1/models/\(name):generate")
        }
        var rows: [Float] = []
        rows.reserveCapacity(instances.count * model.info.rowWidth)
        for (index, instance) in instances.enumerated() {
            let row: [Float]
            do throws(InstanceError) { row = try model.prepare(instance, index: index) } catch { throw .invalidInstance(error) }
            guard row.count == model.info.rowWidth else {
                throw .internalError("model '\(name)' prepared \(row.count) numbers for instance \(index), expected \(model.info.rowWidth)")
            }
            rows += row
        }
        let runtime = runtime(name, version: chosen.version, servable: chosen.servable, url: chosen.url)
        let predictions = try await run(runtime, rows: rows, count: instances.count)
        if let shadow = chosen.canary {
            shadowCompare(name, shadow: shadow, rows: rows, count: instances.count, answers: predictions)
        }
        let versionText = String(chosen.version)
        return JSONAnswer.response(.ok, ["predictions": predictions.map(\.jsonObject), "model": name, "model_version": versionText],
                                   headers: [ServeRoute.versionHeader: versionText])
    }

    private func run(_ runtime: VersionRuntime, rows: [Float], count: Int) async throws(ServeError) -> [ServedPrediction] {
        guard let batcher = runtime.batcher else { throw .internalError("no batcher for a predictor") }
        do {
            return try await batcher.predict(rows: rows, count: count, timeout: configuration.requestTimeout)
        } catch let error as ServeError {
            throw error
        } catch {
            throw .internalError(String(describing: error))
        }
    }

    /// Sends a copy of the rows to the shadow version and compares its answers with the served
    /// ones (metrics and a debug log); never changes the answer.
    private func shadowCompare(_ name: String, shadow: Int, rows: [Float], count: Int, answers: [ServedPrediction]) {
        guard let found = try? repository.resolve(name, version: shadow), case .predictor = found.servable else { return }
        let runtime = runtime(name, version: shadow, servable: found.servable, url: found.url)
        guard let batcher = runtime.batcher else { return }
        let metrics = self.metrics, logger = self.logger
        // Compared on the shadow version's worker thread when its answers are in: no task, so a busy
        // pool (or none) cannot delay or lose the comparison.
        batcher.submit(rows: rows, count: count, timeout: configuration.requestTimeout) { result in
            guard case .success(let shadowAnswers) = result else { return }
            for (served, other) in zip(answers, shadowAnswers) {
                let agreed: Bool, difference: Double?
                if let servedClass = served.classIndex {
                    agreed = servedClass == other.classIndex
                    difference = nil
                } else {
                    let gap = zip(served.values, other.values).map { abs($0 - $1) }.max() ?? 0
                    agreed = gap <= 1e-6 * max(1, served.values.map(abs).max() ?? 0)
                    difference = gap
                }
                metrics.shadow(model: name, version: String(shadow), agreed: agreed, difference: difference)
                logger.debug("shadow comparison", metadata: [
                    "model": .string(name), "version": .string(String(shadow)), "agreed": .stringConvertible(agreed),
                    "difference": .string(difference.map { String($0) } ?? "-"),
                ])
            }
        }
    }

    /// `POST /v1/models/{name}[/versions/{v}]:generate`.
    func generate(_ name: String, version: String?, body: ByteBuffer) async throws(ServeError) -> Response {
        let object = try JSONAnswer.object(from: body)
        let chosen = try pick(name, version: version)
        guard case .languageModel(let model) = chosen.servable else {
            throw .badRequest("model '\(name)' is not a language model; use POST /v1/models/\(name):predict")
        }
        let request = try Self.generationRequest(object, limit: model.maxTokensLimit)
        let runtime = runtime(name, version: chosen.version, servable: chosen.servable, url: chosen.url)
        guard let generator = runtime.generator else { throw .internalError("no generation workers for a language model") }
        let text: String
        do {
            text = try await generator.generate(request, timeout: configuration.requestTimeout)
        } catch let error as InstanceError {
            throw .invalidInstance(error)
        } catch let error as ServeError {
            throw error
        } catch {
            throw .internalError(String(describing: error))
        }
        let versionText = String(chosen.version)
        return JSONAnswer.response(.ok, ["text": text, "model": name, "model_version": versionText],
                                   headers: [ServeRoute.versionHeader: versionText])
    }

    /// The generation options of a `:generate` body, checked.
    static func generationRequest(_ object: [String: Any], limit: Int) throws(ServeError) -> GenerationRequest {
        func invalid(_ field: String, _ reason: String) -> ServeError {
            .invalidInstance(InstanceError(index: 0, field: field, reason: reason))
        }
        guard let prompt = object["prompt"] as? String else {
            throw invalid("prompt", object["prompt"] == nil ? "missing; send the text to continue" : "must be a string")
        }
        var request = GenerationRequest(prompt: prompt)
        if let value = object["max_tokens"], !(value is NSNull) {
            guard let n = JSONAnswer.integer(value), (1...limit).contains(n) else {
                throw invalid("max_tokens", "must be an integer from 1 to \(limit)")
            }
            request.maxTokens = n
        } else {
            request.maxTokens = min(100, limit)
        }
        if let value = object["temperature"], !(value is NSNull) {
            guard let t = JSONAnswer.number(value), t > 0, t.isFinite else { throw invalid("temperature", "must be a number above 0") }
            request.temperature = t
        }
        if let value = object["top_k"], !(value is NSNull) {
            guard let k = JSONAnswer.integer(value), k >= 1 else { throw invalid("top_k", "must be null or an integer of at least 1") }
            request.topK = k
        }
        if let value = object["seed"], !(value is NSNull) {
            guard let seed = JSONAnswer.integer(value), seed >= 0 else { throw invalid("seed", "must be a non-negative integer") }
            request.seed = UInt64(seed)
        }
        return request
    }
}
