import Foundation
import SynapseJobs
import Hummingbird
import Testing
@testable import SynapseServe

@Suite struct ModelRepositoryTests {
    @Test func highestLoadedVersionServesAndOddDirectoriesAreSkipped() throws {
        let repository = try makeRepository(["iris/1": .predictor(EchoModel()), "iris/10": .predictor(EchoModel()),
                                             "iris/2": .predictor(EchoModel())], failing: ["iris/11", "iris/latest", "iris/0"])
        let status = try #require(repository.status(of: "iris"))
        #expect(status.servingVersion == 10)
        #expect(status.versions.map(\.version) == [1, 2, 10, 11])
        #expect(status.versions.last?.state.hasPrefix("failed: ") == true)
        #expect(repository.isReady)
    }

    @Test func serveRollbackAndUnloadFollowTheRules() throws {
        let repository = try makeRepository(["iris/1": .predictor(EchoModel()), "iris/2": .predictor(EchoModel())])
        #expect(throws: ServeError.self) { try repository.rollback("iris") }
        try repository.serve("iris", version: 1)
        #expect(try repository.rollback("iris") == 2)
        #expect(throws: ServeError.self) { try repository.unload("iris", version: 2) }
        try repository.unload("iris", version: 1)
        #expect(repository.status(of: "iris")?.versions.first?.state == "unloaded")
        #expect(throws: ServeError.self) { try repository.serve("iris", version: 1) }
        #expect(throws: ServeError.self) { try repository.serve("nope", version: 1) }
    }

    @Test func missingDirectoryIsAClearError() {
        let repository = ModelRepository(directory: URL(fileURLWithPath: "/nonexistent/models"))
        #expect(throws: ServeRepositoryError.self) { try repository.loadAll() }
    }

    @Test func routesSplitTheActionAfterTheColon() {
        func endpoint(_ method: HTTPRequest.Method, _ path: String) -> String { "\(ServeRoute(method, path: path).endpoint)" }
        #expect(endpoint(.post, "/v1/models/my:model:predict") == "predict(\"my:model\", version: nil)")
        #expect(endpoint(.post, "/v1/models/iris/versions/3:generate") == "generate(\"iris\", version: Optional(\"3\"))")
        #expect(endpoint(.post, "/v1/models/iris%3Apredict") == "predict(\"iris\", version: nil)")
        #expect(endpoint(.post, "/v1/admin/models/iris/versions/2:unload").contains("unload(model: \"iris\", version: \"2\")"))
        #expect(endpoint(.get, "/v1/models/iris:explode").hasPrefix("unknown"))
    }
}
