import Foundation
import Synapse

/// Calibration files (`weights.calibration.json`), which `synapse predict` and `synapse serve` read
/// beside the weights and apply to every class probability they return.
///
/// Seeds are real calibrations as `synapse calibrate` writes them, fitted on overconfident logits of
/// 10 classes: temperature, vector and matrix scaling.
///
/// Accepted corruption: a changed parameter is a legitimate different calibration, so a mutant may
/// be accepted, but only if it describes a calibration that `load` could have been given by
/// `LogitCalibration`'s checks — and applying it to real logits (including extreme ones) gives
/// probabilities that are finite, in [0, 1] and sum to 1.
struct CalibrationTarget: FuzzTarget {
    let name = "calibration"

    /// Overconfident logits of 10 classes and their labels, and a few extreme rows.
    private static func logits() -> (rows: [[Float]], labels: [Int]) {
        let g = RandomGenerator(seed: 3)
        var rows: [[Float]] = [], labels: [Int] = []
        for i in 0..<400 {
            let label = i % 10
            var row = (0..<10).map { _ in 3 * g.nextNormal() }
            row[label] += 4
            // Noisy labels: the logits are too sure of themselves.
            labels.append(i % 5 == 0 ? (label + 3) % 10 : label)
            rows.append(row)
        }
        return (rows, labels)
    }

    private static let probes: [[Float]] = logits().rows.prefix(50)
        + [[Float](repeating: 0, count: 10), (0..<10).map { Float($0) * 3e37 }, (0..<10).map { $0 % 2 == 0 ? -3e38 : 3e38 }]

    func seeds() throws -> [[UInt8]] {
        let (rows, labels) = Self.logits()
        return try LogitCalibrationMethod.allCases.map { method in
            let calibration = try LogitCalibration.fit(method, logits: rows, labels: labels)
            let file = CalibrationFile(calibration: calibration, weightsChecksum: 0x1234_5678, weightsBytes: 4096,
                                       fittedOn: "fuzz seed", figures: ["validation_nll_after": 1.5])
            return [UInt8](file.json)
        }
    }

    func check(_ mutant: [UInt8], original: [UInt8]) -> FuzzVerdict {
        guard let url = FuzzScratchFile.write(mutant, name: "calibration.json") else { return .rejected }
        let file: CalibrationFile
        do { file = try CalibrationFile.load(from: url) } catch { return .rejected }
        let c = file.calibration
        // What `load` accepted must pass the parameter checks on its own.
        guard (try? LogitCalibration(method: c.method, classCount: c.classCount, temperature: c.temperature,
                                     weights: c.weights, biases: c.biases)) != nil else {
            return .corruptionAccepted("loaded a calibration its own checks refuse")
        }
        guard c.classCount == 10 else { return .accepted }   // another width: nothing real to apply it to
        for row in Self.probes {
            let p = LogitCalibration.softmax(c.calibratedLogits(row))
            let total = p.reduce(0, +)
            if !p.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 1 }) || abs(total - 1) > 1e-9 {
                return .corruptionAccepted("\(c.summary) gives probabilities \(p.prefix(3))… summing to \(total)")
            }
        }
        return .accepted
    }
}
