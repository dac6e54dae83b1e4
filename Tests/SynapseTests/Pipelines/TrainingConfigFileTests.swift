import Foundation
import Testing
@testable import Synapse
@testable import SynapseJobs

/// `synapse train --config FILE`: JSON keys mirror the flags, explicit flags win, bad files are
/// typed errors naming the file and the key.
@Suite struct TrainingConfigFileTests {
    static let schema = TrainingConfigFile.trainSchema

    static func arguments(_ json: String) throws(ConfigFileError) -> [String] {
        try TrainingConfigFile.arguments(fromJSON: Data(json.utf8), path: "run.json", schema: schema)
    }

    @Test func keysBecomeFlagsInKeyOrder() throws {
        let args = try Self.arguments(#"{"dataset": "diabetes", "epochs": 50, "lr": 0.003, "hidden": [64, 32], "no-progress": true, "clip-norm": 1}"#)
        #expect(args == ["--clip-norm", "1.0", "--dataset", "diabetes", "--epochs", "50", "--hidden", "64,32", "--lr", "0.003", "--no-progress"])
        #expect(try Self.arguments(#"{"no-progress": false, "hidden": "8,4"}"#) == ["--hidden", "8,4"])
        #expect(try Self.arguments("{}") == [])
    }

    @Test func badFilesNameTheFileAndKey() {
        #expect(throws: ConfigFileError.unknownKey(path: "run.json", key: "epoch", known: Self.schema.keys.sorted())) {
            try Self.arguments(#"{"epoch": 5}"#)
        }
        #expect(throws: ConfigFileError.wrongType(path: "run.json", key: "epochs", expected: "a whole number", found: "the string \"5\"")) {
            try Self.arguments(#"{"epochs": "5"}"#)
        }
        #expect(throws: ConfigFileError.wrongType(path: "run.json", key: "epochs", expected: "a whole number", found: "the number 2.5")) {
            try Self.arguments(#"{"epochs": 2.5}"#)
        }
        #expect(throws: ConfigFileError.wrongType(path: "run.json", key: "no-progress", expected: "true or false", found: "the number 1")) {
            try Self.arguments(#"{"no-progress": 1}"#)
        }
        #expect(throws: ConfigFileError.wrongType(path: "run.json", key: "lr", expected: "a number", found: "true")) {
            try Self.arguments(#"{"lr": true}"#)
        }
        #expect(throws: ConfigFileError.wrongType(path: "run.json", key: "hidden", expected: "an array of whole numbers", found: "an array")) {
            try Self.arguments(#"{"hidden": [64, "x"]}"#)
        }
        #expect(throws: ConfigFileError.wrongType(path: "run.json", key: "dataset", expected: "a string", found: "null")) {
            try Self.arguments(#"{"dataset": null}"#)
        }
        for text in [#"{"epochs": "#, "[1, 2]", ""] {
            #expect(throws: ConfigFileError.self) { try Self.arguments(text) }
            do { _ = try Self.arguments(text) } catch {
                guard case .malformed(let path, _) = error else { Issue.record("\(error)"); continue }
                #expect(path == "run.json")
            }
        }
        let message = ConfigFileError.unknownKey(path: "run.json", key: "epoch", known: ["epochs"]).description
        #expect(message.contains("run.json") && message.contains("\"epoch\""))
    }

    @Test func expandPutsTheFileBeforeExplicitFlags() throws {
        let dir = try TrainerFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("run.json")
        try Data(#"{"dataset": "diabetes", "epochs": 50, "no-progress": true}"#.utf8).write(to: file)
        // The file's flags come first, so the explicit --epochs 3 (parsed later) wins; a flag in
        // both is given once.
        let expanded = try TrainingConfigFile.expand(["train", "--config", file.path, "--epochs", "3", "--no-progress"])
        #expect(expanded == ["train", "--dataset", "diabetes", "--epochs", "50", "--config", file.path, "--epochs", "3", "--no-progress"])
        #expect(try TrainingConfigFile.expand(["train", "--config=\(file.path)"]).prefix(3) == ["train", "--dataset", "diabetes"])
        // Other commands and command lines without --config are left alone.
        #expect(try TrainingConfigFile.expand(["evaluate", "--config", file.path]) == ["evaluate", "--config", file.path])
        #expect(try TrainingConfigFile.expand(["train", "--epochs", "3"]) == ["train", "--epochs", "3"])
        let missing = dir.appendingPathComponent("missing.json").path
        #expect(throws: ConfigFileError.self) { try TrainingConfigFile.expand(["train", "--config", missing]) }
    }

    @Test func exampleConfigsUseOnlyKnownKeys() throws {
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("examples")
        for name in ["breast-cancer.json", "sunspots.json"] {
            let args = try TrainingConfigFile.arguments(from: examples.appendingPathComponent(name), schema: Self.schema)
            #expect(args.contains("--dataset"), "\(name) names no dataset")
        }
    }
}
