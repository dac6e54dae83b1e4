import Foundation
import SynapseJobs
import Testing
@testable import SynapseServe

@Suite(.onOwnThreads) struct ServerVersionTests {
    private let admin: (inout ServerConfiguration) -> Void = { $0.adminEnabled = true }

    @Test func highestVersionServesAndSwitchAndRollbackDropNoRequest() async throws {
        let repository = try makeRepository(["iris/1": .predictor(EchoModel(delay: 0.001)), "iris/2": .predictor(EchoModel(delay: 0.001))])
        try await withLiveServer(repository, configure: admin) { (live) async throws in
            #expect(try await live.get("/v1/models/iris").json["serving_version"] as? String == "2")
            let versions = try await withThrowingTaskGroup(of: [(Int, String)].self) { group in
                for client in 0..<6 {
                    group.addTask {
                        var seen: [(Int, String)] = []
                        for i in 0..<15 {
                            let answer = try await live.post("/v1/models/iris:predict", "{\"instances\": [[\(client * 100 + i), 0]]}")
                            seen.append((answer.status, answer.json["model_version"] as? String ?? "?"))
                        }
                        return seen
                    }
                }
                group.addTask {
                    var switches: [(Int, String)] = []
                    for _ in 0..<3 {
                        let served = try await live.post("/v1/admin/models/iris:serve", #"{"version": "1"}"#).status
                        switches.append((served, "admin"))
                        try await Task.sleep(for: .milliseconds(10))
                        let rolledBack = try await live.post("/v1/admin/models/iris:rollback").status
                        switches.append((rolledBack, "admin"))
                        try await Task.sleep(for: .milliseconds(10))
                    }
                    return switches
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(versions.allSatisfy { $0.0 == 200 }, "\(versions.filter { $0.0 != 200 })")
            #expect(Set(versions.map(\.1)).isSubset(of: ["1", "2", "admin"]))
            #expect(versions.filter { $0.1 != "admin" }.count == 90)
            // serve 1, rollback → 2, three times: 2 serves at the end.
            let details = try await live.get("/v1/models/iris").json
            #expect(details["serving_version"] as? String == "2")
            #expect(details["previous_version"] as? String == "1")
        }
    }

    @Test func adminLoadsUnloadsAndRefusesUnloadingTheServingVersion() async throws {
        let shelf = ModelShelf([:])
        let repository = try makeRepository(["iris/1": .predictor(EchoModel())], shelf: shelf)
        try await withLiveServer(repository, configure: admin) { (live) async throws in
            #expect(try await live.post("/v1/admin/models/iris/versions/3:load").status == 404)
            try FileManager.default.createDirectory(at: repository.directory.appendingPathComponent("iris/3"),
                                                    withIntermediateDirectories: true)
            shelf["iris/3"] = .predictor(EchoModel(task: .regression))
            let loaded = try await live.post("/v1/admin/models/iris/versions/3:load")
            #expect(loaded.status == 200, "\(loaded.text)")
            #expect(loaded.json["state"] as? String == "ready")
            // Loading after start does not switch the serving version.
            #expect(try await live.get("/v1/models/iris").json["serving_version"] as? String == "1")
            let direct = try await live.post("/v1/models/iris/versions/3:predict", #"{"instances": [[1, 2]]}"#)
            #expect((direct.json["predictions"] as? [[String: Any]])?.first?["value"] as? Double == 1002)

            #expect(try await live.post("/v1/admin/models/iris/versions/1:unload").status == 409)
            #expect(try await live.post("/v1/admin/models/iris:serve", #"{"version": 3}"#).status == 200)
            let unloaded = try await live.post("/v1/admin/models/iris/versions/1:unload")
            #expect(unloaded.status == 200)
            #expect(try await live.post("/v1/models/iris/versions/1:predict", #"{"instances": [[1, 2]]}"#).status == 503)
            #expect(try await live.post("/v1/admin/models/iris:rollback").status == 409)
            #expect(try await live.post("/v1/admin/models/iris:serve", #"{"version": "7"}"#).status == 404)
        }
    }

    @Test func canaryFractionIsRoughlyHonoured() async throws {
        let repository = try makeRepository(["iris/1": .predictor(EchoModel()), "iris/2": .predictor(EchoModel())])
        try repository.serve("iris", version: 1)
        try await withLiveServer(repository, configure: { $0.canaryFraction = 0.3; $0.canarySeed = 42 }) { (live) async throws in
            var canary = 0
            for i in 0..<200 {
                let answer = try await live.post("/v1/models/iris:predict", "{\"instances\": [[\(i), 0]]}")
                if answer.json["model_version"] as? String == "2" { canary += 1 }
            }
            #expect((40...80).contains(canary), "\(canary) of 200 went to the canary at 30%")
        }
    }

    @Test func shadowNeverChangesAnswersButIsCompared() async throws {
        let repository = try makeRepository(["price/1": .predictor(EchoModel(task: .regression)),
                                             "price/2": .predictor(EchoModel(task: .classification))])
        try repository.serve("price", version: 1)
        try await withLiveServer(repository, configure: { $0.canaryFraction = 1; $0.shadow = true; $0.canarySeed = 1 }) { (live) async throws in
            for i in 0..<20 {
                let answer = try await live.post("/v1/models/price:predict", "{\"instances\": [[\(i), 5]]}")
                #expect(answer.json["model_version"] as? String == "1")
                #expect((answer.json["predictions"] as? [[String: Any]])?.first?["value"] as? Double == Double(i * 1000 + 5))
            }
            // The shadow runs after the answer went out: wait for its comparisons to be counted.
            var metrics = ""
            for _ in 0..<500 where !metrics.contains("synapse_shadow_agreement_total") {
                metrics = try await live.get("/metrics").text
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(metrics.contains("synapse_shadow_agreement_total"))
        }
    }
}
