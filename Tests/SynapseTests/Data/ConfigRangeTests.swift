import Foundation
import Testing
@testable import Synapse
@testable import SynapseJobs

/// Configuration values of the right JSON type but out of range are refused naming the key.
@Suite struct ConfigRangeTests {
    static func arguments(_ json: String) throws(ConfigFileError) -> [String] {
        try TrainingConfigFile.arguments(fromJSON: Data(json.utf8), path: "run.json", schema: TrainingConfigFile.trainSchema)
    }

    @Test(arguments: [#"{"epochs": 0}"#, #"{"batch-size": -32}"#, #"{"lr": 0}"#, #"{"lr": -0.1}"#, #"{"clip-norm": 0}"#,
                      #"{"window": 0}"#, #"{"hidden": [64, 0]}"#, #"{"hidden": []}"#, #"{"epochs": 1e12}"#, #"{"seed": -1}"#,
                      #"{"threads": 0}"#, #"{"dataset": ""}"#, #"{"temperature": 0}"#, #"{"hidden": "64,-2"}"#])
    func outOfRangeValuesNameTheKey(json: String) {
        let key = String(json.dropFirst(2).prefix { $0 != "\"" })
        do {
            _ = try Self.arguments(json)
            Issue.record("\(json) was accepted")
        } catch {
            guard case .outOfRange(let path, let named, _, _) = error else { Issue.record("expected outOfRange, got \(error)"); return }
            #expect(path == "run.json" && named == key)
            #expect(error.description.contains("run.json: key \"\(key)\""))
        }
    }

    @Test func inRangeValuesPass() throws {
        #expect(try Self.arguments(#"{"epochs": 1, "seed": 0, "patience": 0, "lr": 1e-5, "hidden": "64, 32"}"#)
                == ["--epochs", "1", "--hidden", "64,32", "--lr", "1e-05", "--patience", "0", "--seed", "0"])
    }
}
