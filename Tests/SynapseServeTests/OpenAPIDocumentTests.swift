import Foundation
import SynapseJobs
import Testing
import Yams
@testable import SynapseServe

/// docs/openapi.yaml against a live server: every documented path and method answers with a status
/// it documents, and JSON answers carry the documented required keys.
@Suite(.onOwnThreads) struct OpenAPIDocumentTests {
    private static let documentURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/openapi.yaml")

    private func document() throws -> [String: Any] {
        let text = try String(contentsOf: Self.documentURL, encoding: .utf8)
        return try #require(try Yams.load(yaml: text) as? [String: Any])
    }

    /// The `required` keys of a schema given inline or by `$ref`.
    private func requiredKeys(_ schema: [String: Any], in document: [String: Any]) -> [String] {
        if let ref = schema["$ref"] as? String {
            var node: Any = document
            for part in ref.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(part)] ?? [:] }
            return requiredKeys(node as? [String: Any] ?? [:], in: document)
        }
        return schema["required"] as? [String] ?? []
    }

    /// The JSON schema a documented response has, following a `$ref` to components/responses.
    private func jsonSchema(_ response: [String: Any], in document: [String: Any]) -> [String: Any]? {
        var response = response
        if let ref = response["$ref"] as? String, let name = ref.split(separator: "/").last {
            response = ((document["components"] as? [String: Any])?["responses"] as? [String: Any])?[String(name)] as? [String: Any] ?? [:]
        }
        return ((response["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"] as? [String: Any]
    }

    @Test func documentIsOpenAPI3AndListsEveryEndpoint() throws {
        let document = try document()
        #expect((document["openapi"] as? String)?.hasPrefix("3.0") == true)
        let paths = try #require(document["paths"] as? [String: Any])
        for path in ["/healthz", "/readyz", "/metrics", "/v1/models", "/v1/models/{name}", "/v1/models/{name}:predict",
                     "/v1/models/{name}/versions/{version}:predict", "/v1/models/{name}:generate",
                     "/v1/models/{name}/versions/{version}:generate", "/v1/admin/models/{name}/versions/{version}:load",
                     "/v1/admin/models/{name}/versions/{version}:unload", "/v1/admin/models/{name}:serve",
                     "/v1/admin/models/{name}:rollback"] {
            #expect(paths[path] != nil, "\(path) is not documented")
        }
    }

    @Test func everyDocumentedOperationAnswersAsDocumented() async throws {
        let repository = try makeRepository(["iris/1": .predictor(EchoModel()), "shakespeare/1": .languageModel(ReversingLanguageModel())])
        try await withLiveServer(repository, configure: { $0.adminEnabled = true }) { (live) async throws in
            let document = try self.document()
            let paths = try #require(document["paths"] as? [String: Any])
            for (template, item) in paths.sorted(by: { $0.key < $1.key }) {
                for (method, operation) in (item as? [String: Any] ?? [:]) {
                    let responses = (operation as? [String: Any])?["responses"] as? [String: Any] ?? [:]
                    let model = template.contains(":generate") ? "shakespeare" : "iris"
                    let uri = template.replacingOccurrences(of: "{name}", with: model).replacingOccurrences(of: "{version}", with: "1")
                    let body: String? = method != "post" ? nil
                        : template.hasSuffix(":predict") ? #"{"instances": [[1, 2]]}"#
                        : template.hasSuffix(":generate") ? #"{"prompt": "abc", "max_tokens": 2}"#
                        : template.hasSuffix(":serve") ? #"{"version": "1"}"# : "{}"
                    let answer = try await live.send(method == "post" ? .post : .get, uri, body: body)
                    let documented = responses[String(answer.status)] as? [String: Any]
                    #expect(documented != nil, "\(method.uppercased()) \(uri) answered \(answer.status), not documented: \(answer.text)")
                    if let documented, let schema = jsonSchema(documented, in: document) {
                        for key in requiredKeys(schema, in: document) {
                            #expect(answer.json[key] != nil, "\(method.uppercased()) \(uri) → \(answer.status) lacks \"\(key)\": \(answer.text)")
                        }
                    }
                }
            }
        }
    }
}
