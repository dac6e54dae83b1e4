import Foundation
import Testing
@testable import SynapseJobs

/// YAML configuration files: the same arguments as the equivalent JSON file, and the same typed
/// errors naming the file and key.
@Suite struct TrainingConfigYAMLTests {
    static let schema = TrainingConfigFile.trainSchema

    static func arguments(_ yaml: String) throws(ConfigFileError) -> [String] {
        try TrainingConfigFile.arguments(fromYAML: yaml, path: "run.yaml", schema: schema)
    }

    @Test func aYAMLFileGivesTheArgumentsOfItsJSONTwin() throws {
        let yaml = """
        # a comment
        dataset: breast-cancer
        epochs: 50
        lr: 1.0e-3
        hidden: [64, 32]
        no-progress: true
        overwrite: false
        prompt: ""
        """
        let json = #"{"dataset": "breast-cancer", "epochs": 50, "lr": 0.001, "hidden": [64, 32], "no-progress": true, "prompt": ""}"#
        let fromJSON = try TrainingConfigFile.arguments(fromJSON: Data(json.utf8), path: "run.json", schema: Self.schema)
        #expect(try Self.arguments(yaml.replacingOccurrences(of: "overwrite: false\n", with: "")) == fromJSON)
        #expect(fromJSON == ["--dataset", "breast-cancer", "--epochs", "50", "--hidden", "64,32", "--lr", "0.001", "--no-progress", "--prompt", ""])
        // Block lists and comma-separated strings, as in JSON.
        #expect(try Self.arguments("hidden:\n  - 8\n  - 4\n") == ["--hidden", "8,4"])
        #expect(try Self.arguments("hidden: \"8, 4\"\n") == ["--hidden", "8,4"])
        #expect(try Self.arguments("images: photos\nimage-size: 28x28\nchannels: 3\nstrict: true\n")
                == ["--channels", "3", "--image-size", "28x28", "--images", "photos", "--strict"])
        // An image size is a whole number or a string.
        #expect(try Self.arguments("image-size: 28\n") == ["--image-size", "28"])
        #expect(throws: ConfigFileError.self) { try Self.arguments("image-size: 0\n") }
        #expect(throws: ConfigFileError.self) { try Self.arguments("image-size: true\n") }
    }

    @Test func badYAMLIsRefusedWithTheFileAndKeyNamed() throws {
        #expect(throws: ConfigFileError.unknownKey(path: "run.yaml", key: "epoch", known: Self.schema.keys.sorted())) {
            try Self.arguments("epoch: 5\n")
        }
        #expect(throws: ConfigFileError.wrongType(path: "run.yaml", key: "epochs", expected: "a whole number", found: "the string \"5\"")) {
            try Self.arguments("epochs: \"5\"\n")
        }
        #expect(throws: ConfigFileError.wrongType(path: "run.yaml", key: "epochs", expected: "a whole number", found: "the number 2.5")) {
            try Self.arguments("epochs: 2.5\n")
        }
        #expect(throws: ConfigFileError.wrongType(path: "run.yaml", key: "no-progress", expected: "true or false", found: "the number 1")) {
            try Self.arguments("no-progress: 1\n")
        }
        #expect(throws: ConfigFileError.wrongType(path: "run.yaml", key: "epochs", expected: "a whole number", found: "an object")) {
            try Self.arguments("epochs:\n  value: 3\n")
        }
        #expect(throws: ConfigFileError.outOfRange(path: "run.yaml", key: "lr", value: "inf", requirement: "must be finite")) {
            try Self.arguments("lr: .inf\n")
        }
        #expect(throws: ConfigFileError.outOfRange(path: "run.yaml", key: "epochs", value: "0",
                                                   requirement: "must be a whole number in 1...\(TrainingConfigFile.maxInteger)")) {
            try Self.arguments("epochs: 0\n")
        }
        // A number as a key is read as its text: an unknown key.
        #expect { try Self.arguments("1: 2\n") } throws: { "\($0)".contains("unknown key \"1\"") }
        for (text, reason) in [("epochs: [1, 2", "invalid YAML"), ("- 1\n- 2\n", "not a mapping"), ("", "empty")] {
            #expect { try Self.arguments(text) } throws: { error in
                guard case ConfigFileError.malformed(let path, let why) = error else { return false }
                return path == "run.yaml" && why.contains(reason)
            }
        }
    }

    @Test func filesAreReadAsYAMLByTheirExtension() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("synapse-yaml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["run.yaml", "run.YML"] {
            let url = dir.appendingPathComponent(name)
            try "epochs: 3\nbatch-size: 16\n".write(to: url, atomically: true, encoding: .utf8)
            #expect(try TrainingConfigFile.arguments(from: url, schema: Self.schema) == ["--batch-size", "16", "--epochs", "3"])
            #expect(try TrainingConfigFile.expand(["train", "--config", url.path, "--epochs", "5"])
                    == ["train", "--batch-size", "16", "--epochs", "3", "--config", url.path, "--epochs", "5"])
        }
        // The same text in a .json file is not JSON.
        let json = dir.appendingPathComponent("run.json")
        try "epochs: 3\n".write(to: json, atomically: true, encoding: .utf8)
        #expect(throws: ConfigFileError.self) { try TrainingConfigFile.arguments(from: json, schema: Self.schema) }
    }
}
