import Foundation
import Synapse

/// `synapse train --config FILE.json` files, read by `TrainingConfigFile`.
///
/// Seeds are the two example configurations of docs/cli.md (`examples/breast-cancer.json` and
/// `examples/sunspots.json`), embedded so the run does not depend on the working directory.
///
/// Accepted corruption: a changed number or string is a legitimate different setting, so a mutant
/// may be accepted, but every argument it yields must be in range: whole-number options parse as
/// integers at or above their minimum, numbers are finite (and above 0 for rates), no option is
/// given an empty value, and every flag is a known key.
struct ConfigTarget: FuzzTarget {
    let name = "config"

    static let breastCancer = """
    {
      "dataset": "breast-cancer",
      "model": "mlp",
      "epochs": 100,
      "batch-size": 32,
      "lr": 0.001,
      "seed": 0,
      "hidden": [64, 32],
      "patience": 20,
      "monitor": "val_loss",
      "lr-schedule": "cosine",
      "clip-norm": 1.0,
      "checkpoint-dir": "runs/breast-cancer/checkpoints",
      "no-progress": true
    }
    """

    static let sunspots = """
    {
      "dataset": "sunspots",
      "epochs": 300,
      "window": 12,
      "hidden": [64, 32],
      "patience": 20,
      "lr-schedule": "plateau"
    }
    """

    func seeds() throws -> [[UInt8]] { [Array(Self.breastCancer.utf8), Array(Self.sunspots.utf8)] }

    func check(_ mutant: [UInt8], original: [UInt8]) -> FuzzVerdict {
        let schema = TrainingConfigFile.trainSchema
        let arguments: [String]
        do {
            arguments = try TrainingConfigFile.arguments(fromJSON: Data(mutant), path: "mutant", schema: schema)
        } catch {
            return .rejected
        }
        var i = 0
        while i < arguments.count {
            let flag = arguments[i]
            guard flag.hasPrefix("--"), let type = schema[String(flag.dropFirst(2))] else {
                return .corruptionAccepted("argument \"\(flag)\" is not a known option")
            }
            let key = String(flag.dropFirst(2))
            i += 1
            if type == .flag { continue }
            guard i < arguments.count else { return .corruptionAccepted("option \(flag) without a value") }
            let value = arguments[i]
            i += 1
            if let problem = Self.problem(key: key, type: type, value: value) {
                return .corruptionAccepted("\(flag) \(value): \(problem)")
            }
        }
        return .accepted
    }

    /// What is wrong with `value` for `key`, or nil when it is in range.
    private static func problem(key: String, type: ConfigValueType, value: String) -> String? {
        let minimum = Int(TrainingConfigFile.minimums[key] ?? -Double(Int32.max))
        switch type {
        case .integer:
            guard let n = Int(value) else { return "not a whole number" }
            return n < minimum ? "below \(minimum)" : nil
        case .integerList:
            for part in value.split(separator: ",", omittingEmptySubsequences: false) {
                guard let n = Int(part) else { return "\"\(part)\" is not a whole number" }
                if n < minimum { return "\(n) below \(minimum)" }
            }
            return nil
        case .number:
            guard let x = Double(value), x.isFinite else { return "not a finite number" }
            return TrainingConfigFile.positiveNumbers.contains(key) && !(x > 0) ? "not above 0" : nil
        case .string:
            return value.isEmpty && key != "prompt" ? "empty" : nil
        case .size:
            if value.isEmpty { return "empty" }
            if let n = Int(value), n < minimum { return "below \(minimum)" }
            return nil
        case .flag:
            return nil
        }
    }
}
