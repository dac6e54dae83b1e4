import Foundation
import SynapseJobs
import Testing
@testable import SynapseServe

@Suite(.onOwnThreads) struct ServerEndpointTests {
    private func standardRepository() throws -> ModelRepository {
        try makeRepository(["iris/1": .predictor(EchoModel()), "price/2": .predictor(EchoModel(task: .regression)),
                            "shakespeare/1": .languageModel(ReversingLanguageModel())])
    }

    @Test func predictAnswersEachInstance() async throws {
        try await withLiveServer(try standardRepository()) { (live) async throws in
            let answer = try await live.post("/v1/models/iris:predict", #"{"instances": [[4, 0], {"a": 2, "b": 1}]}"#)
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.json["model"] as? String == "iris")
            #expect(answer.json["model_version"] as? String == "1")
            let predictions = try #require(answer.json["predictions"] as? [[String: Any]])
            #expect(predictions.map { $0["class"] as? Int } == [1, 2])
            #expect(predictions.map { $0["label"] as? String } == ["one", "two"])

            let regression = try await live.post("/v1/models/price/versions/2:predict", #"{"instances": [[3, 7]]}"#)
            #expect(regression.status == 200, "\(regression.text)")
            #expect((regression.json["predictions"] as? [[String: Any]])?.first?["value"] as? Double == 3007)
        }
    }

    @Test func badRequestsAreRefusedWithClearErrors() async throws {
        try await withLiveServer(try standardRepository()) { (live) async throws in
            let invalid = try await live.post("/v1/models/iris:predict", #"{"instances": [[1, 2], {"a": "x", "b": 1}]}"#)
            #expect(invalid.status == 400)
            #expect(invalid.error["code"] as? String == "invalid_instance")
            #expect(invalid.error["index"] as? Int == 1)
            #expect(invalid.error["field"] as? String == "a")

            for body in ["not json", "[1, 2]", "{}", #"{"instances": []}"#, #"{"instances": 3}"#] {
                let answer = try await live.post("/v1/models/iris:predict", body)
                #expect(answer.status == 400, "\(body) → \(answer.status)")
                #expect(answer.error["code"] as? String == "bad_request")
                #expect(!(answer.error["message"] as? String ?? "").isEmpty)
            }
            let lm = try await live.post("/v1/models/shakespeare:predict", #"{"instances": ["to be"]}"#)
            #expect(lm.status == 400)
            #expect((lm.error["message"] as? String ?? "").contains(":generate"))
        }
    }

    @Test func unknownModelsVersionsAndPathsAre404() async throws {
        try await withLiveServer(try standardRepository()) { (live) async throws in
            #expect(try await live.post("/v1/models/nope:predict", #"{"instances": [[1, 2]]}"#).status == 404)
            #expect(try await live.post("/v1/models/iris/versions/9:predict", #"{"instances": [[1, 2]]}"#).status == 404)
            #expect(try await live.post("/v1/models/iris/versions/x:predict", #"{"instances": [[1, 2]]}"#).status == 404)
            #expect(try await live.get("/v1/models/nope").status == 404)
            #expect(try await live.get("/v2/anything").status == 404)
            #expect(try await live.get("/v1/models/iris:predict").status == 405)
        }
    }

    @Test func generateAnswersAndValidates() async throws {
        try await withLiveServer(try standardRepository()) { (live) async throws in
            let answer = try await live.post("/v1/models/shakespeare:generate", #"{"prompt": "abc", "max_tokens": 2, "seed": 1}"#)
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.json["text"] as? String == "cb")
            #expect(answer.json["model_version"] as? String == "1")
            for (body, field) in [(#"{"max_tokens": 2}"#, "prompt"), (#"{"prompt": "a", "max_tokens": 0}"#, "max_tokens"),
                                  (#"{"prompt": "a", "max_tokens": 51}"#, "max_tokens"),
                                  (#"{"prompt": "a", "temperature": -1}"#, "temperature"),
                                  (#"{"prompt": "a", "top_k": 0}"#, "top_k"), (#"{"prompt": "a", "seed": "x"}"#, "seed"),
                                  (#"{"prompt": ""}"#, "prompt")] {
                let refused = try await live.post("/v1/models/shakespeare:generate", body)
                #expect(refused.status == 400, "\(body)")
                #expect(refused.error["field"] as? String == field, "\(body): \(refused.text)")
            }
            #expect(try await live.post("/v1/models/iris:generate", #"{"prompt": "a"}"#).status == 400)
        }
    }

    @Test func modelEndpointsDescribeVersionsAndSchemas() async throws {
        try await withLiveServer(try standardRepository()) { (live) async throws in
            let list = try await live.get("/v1/models")
            #expect(list.status == 200)
            let models = try #require(list.json["models"] as? [[String: Any]])
            #expect(models.map { $0["name"] as? String } == ["iris", "price", "shakespeare"])
            #expect(models[1]["serving_version"] as? String == "2")

            let iris = try await live.get("/v1/models/iris")
            #expect(iris.status == 200)
            #expect(iris.json["task"] as? String == "classification")
            #expect(iris.json["class_names"] as? [String] == ["zero", "one", "two"])
            #expect((iris.json["input_schema"] as? [String: Any])?["kind"] as? String == "tabular")
            #expect((iris.json["versions"] as? [[String: Any]])?.first?["state"] as? String == "ready")
        }
    }

    @Test func healthReadinessAndMetrics() async throws {
        try await withLiveServer(try standardRepository()) { (live) async throws in
            let health = try await live.get("/healthz")
            #expect(health.status == 200)
            #expect(health.json["status"] as? String == "alive")
            #expect(try await live.get("/readyz").status == 200)
            _ = try await live.post("/v1/models/iris:predict", #"{"instances": [[1, 2]]}"#)
            let metrics = try await live.get("/metrics")
            #expect(metrics.status == 200)
            for name in ["synapse_requests_total", "synapse_request_duration_seconds", "synapse_batch_size",
                         "synapse_queue_depth", "synapse_model_version"] {
                #expect(metrics.text.contains(name), "\(name) missing from /metrics")
            }
            #expect(metrics.text.contains(#"synapse_requests_total{model="iris",version="1",status="200"} 1"#), "\(metrics.text)")
        }
    }

    @Test func failedModelMakesReadinessFailButOthersServe() async throws {
        let repository = try makeRepository(["iris/1": .predictor(EchoModel())], failing: ["broken/1"])
        try await withLiveServer(repository) { (live) async throws in
            #expect(try await live.get("/readyz").status == 503)
            #expect(try await live.post("/v1/models/iris:predict", #"{"instances": [[1, 2]]}"#).status == 200)
            let broken = try await live.get("/v1/models/broken")
            let state = (broken.json["versions"] as? [[String: Any]])?.first?["state"] as? String ?? ""
            #expect(state.hasPrefix("failed: "), "\(broken.text)")
            #expect(try await live.post("/v1/models/broken:predict", #"{"instances": [[1, 2]]}"#).status == 503)
        }
    }

    @Test func limitsAnswer413And429And504() async throws {
        // Each step waits for the server's state (the first request running, the second queued), not
        // for a fixed time: on a loaded CI machine a request can take seconds to arrive.
        let slow = EchoModel(task: .regression, delay: 5.0)
        let repository = try makeRepository(["slow/1": .predictor(slow), "iris/1": .predictor(EchoModel())])
        try await withLiveServer(repository, configure: {
            $0.maxBodyBytes = 200
            $0.maxQueuedRows = 1
            $0.workersPerModel = 1
            $0.requestTimeout = 2.5
        }) { (live) async throws in
            let big = "{\"instances\": [" + Array(repeating: "[1, 2]", count: 60).joined(separator: ",") + "]}"
            let tooLarge = try await live.post("/v1/models/iris:predict", big)
            #expect(tooLarge.status == 413)
            #expect(tooLarge.error["code"] as? String == "body_too_large")

            async let first = live.post("/v1/models/slow:predict", #"{"instances": [[1, 1]]}"#)   // runs, then times out
            try await waitUntil { slow.recordedBatchSizes == [1] }
            async let second = live.post("/v1/models/slow:predict", #"{"instances": [[2, 2]]}"#)  // queued
            try await waitUntil { TrainedModels.sample("synapse_queue_depth", labels: ["model": "slow"], in: try await live.get("/metrics").text) == 1 }
            let third = try await live.post("/v1/models/slow:predict", #"{"instances": [[3, 3]]}"#)
            #expect(third.status == 429)
            #expect(third.headers[.retryAfter] == "1")
            #expect(try await first.status == 504)
            #expect(try await second.status == 504)
        }
    }

    @Test func adminIsForbiddenUnlessEnabled() async throws {
        try await withLiveServer(try standardRepository()) { (live) async throws in
            let answer = try await live.post("/v1/admin/models/iris:rollback")
            #expect(answer.status == 403)
            #expect(answer.error["code"] as? String == "forbidden")
        }
    }

    @Test func driftMonitorSeesAnsweredRowsAndIsExported() async throws {
        let monitor = CountingDriftMonitor(psi: 0.5)
        try await withLiveServer(try standardRepository(), configure: {
            $0.driftMonitorFactory = { url, info in info.task == .classification ? monitor : nil }
        }) { (live) async throws in
            #expect(try await live.post("/v1/models/iris:predict", #"{"instances": [[1, 2], [3, 4], [5, 6]]}"#).status == 200)
            try await waitUntil { monitor.count >= 3 }
            #expect(monitor.count == 3)
            let metrics = try await live.get("/metrics").text
            #expect(metrics.contains(#"synapse_drift_psi{model="iris",version="1",feature="a"} 0.5"#), "\(metrics)")
            #expect(metrics.contains("synapse_drift_ks"))
        }
    }

    @Test func requestsDuringShutdownGet503() async throws {
        try await withLiveServer(try standardRepository()) { (live) async throws in
            live.server.core.draining = true
            let answer = try await live.post("/v1/models/iris:predict", #"{"instances": [[1, 2]]}"#)
            #expect(answer.status == 503)
            #expect(answer.error["code"] as? String == "shutting_down")
            #expect(try await live.get("/readyz").status == 503)
            #expect(try await live.get("/healthz").status == 200)
        }
    }
}
