import Foundation

/// How `LogitCalibration` maps logits z to calibrated logits (Guo et al., 2017, "On Calibration of
/// Modern Neural Networks").
public enum LogitCalibrationMethod: String, Sendable, Codable, CaseIterable {
    /// z / T with one temperature T > 0: the probabilities soften (T > 1) or sharpen (T < 1) and the
    /// predicted class never changes. The method of choice: one parameter cannot overfit.
    case temperature
    /// w ⊙ z + b, one scale and one bias per class (2C parameters); may change predictions.
    case vector
    /// W·z + b, a full C × C matrix and a bias (C² + C parameters); may change predictions, and
    /// overfits small validation sets (Guo et al. found it worse than temperature scaling).
    case matrix
}

/// A post-hoc calibration of a classifier's logits, fitted on held-out data by minimising the
/// negative log-likelihood (the model itself is unchanged): temperature scaling, or vector or matrix
/// scaling. Apply it to logits before the softmax; `synapse calibrate` fits one and `predict` and
/// `serve` apply it.
///
/// ```swift
/// let calibration = try LogitCalibration.fit(.temperature, logits: validationLogits, labels: validationLabels)
/// let probabilities = calibration.probabilities(testLogits)   // [[Double]], rows sum to 1
/// ```
public struct LogitCalibration: Sendable, Equatable {
    /// The method.
    public let method: LogitCalibrationMethod
    /// Classes (the logits' width).
    public let classCount: Int
    /// The temperature (`.temperature`; 1 for the other methods).
    public let temperature: Double
    /// The scaling: per-class scales (`.vector`), or the C × C matrix row by row (`.matrix`); empty
    /// for `.temperature`.
    public let weights: [Double]
    /// Per-class biases (`.vector`, `.matrix`); empty for `.temperature`.
    public let biases: [Double]

    /// The identity calibration (temperature 1) for `classCount` classes.
    public static func identity(classCount: Int) -> LogitCalibration {
        LogitCalibration(unchecked: .temperature, classCount: Swift.max(classCount, 2), temperature: 1, weights: [], biases: [])
    }

    private init(unchecked method: LogitCalibrationMethod, classCount: Int, temperature: Double, weights: [Double], biases: [Double]) {
        self.method = method
        self.classCount = classCount
        self.temperature = temperature
        self.weights = weights
        self.biases = biases
    }

    /// The largest magnitude of a scaling weight or bias: with it, calibrated logits of any finite
    /// Float32 logits stay finite in Double.
    public static let parameterLimit = 1e6

    /// A calibration with the given parameters, checked: a temperature in `temperatureRange`; for
    /// `.vector` C scales and C biases, for `.matrix` C² weights and C biases, all finite and within
    /// ±`parameterLimit`.
    /// - Throws: `CalibrationError.invalidParameters`.
    public init(method: LogitCalibrationMethod, classCount: Int, temperature: Double = 1, weights: [Double] = [],
                biases: [Double] = []) throws(CalibrationError) {
        guard classCount >= 2 else { throw .invalidParameters("a classifier needs at least 2 classes, got \(classCount)") }
        guard Self.temperatureRange.contains(temperature) else {
            throw .invalidParameters("temperature must lie in [\(Self.temperatureRange.lowerBound), \(Self.temperatureRange.upperBound)], got \(temperature)")
        }
        let expectedWeights: Int
        switch method {
        case .temperature: expectedWeights = 0
        case .vector: expectedWeights = classCount
        case .matrix: expectedWeights = classCount * classCount
        }
        let expectedBiases = method == .temperature ? 0 : classCount
        guard weights.count == expectedWeights, biases.count == expectedBiases else {
            throw .invalidParameters("\(method.rawValue) scaling of \(classCount) classes needs \(expectedWeights) weights and "
                                     + "\(expectedBiases) biases, got \(weights.count) and \(biases.count)")
        }
        guard (weights + biases).allSatisfy({ $0.isFinite && Swift.abs($0) <= Self.parameterLimit }) else {
            throw .invalidParameters("weights and biases must be finite, within ±\(Self.parameterLimit)")
        }
        if method != .temperature { guard temperature == 1 else { throw .invalidParameters("only temperature scaling has a temperature") } }
        self.method = method
        self.classCount = classCount
        self.temperature = temperature
        self.weights = weights
        self.biases = biases
    }

    /// A short description: "temperature scaling, T = 1.834", "vector scaling of 10 classes".
    public var summary: String {
        switch method {
        case .temperature: "temperature scaling, T = \(String(format: "%.4g", temperature))"
        case .vector, .matrix: "\(method.rawValue) scaling of \(classCount) classes"
        }
    }

    /// Calibrated logits of one row of `classCount` logits.
    public func calibratedLogits(_ z: [Float]) -> [Double] {
        precondition(z.count == classCount, "LogitCalibration: a row of \(z.count) logits for a calibration of \(classCount) classes")
        switch method {
        case .temperature:
            return z.map { Double($0) / temperature }
        case .vector:
            return z.indices.map { weights[$0] * Double(z[$0]) + biases[$0] }
        case .matrix:
            return (0..<classCount).map { r in
                var v = biases[r]
                for c in 0..<classCount { v += weights[r * classCount + c] * Double(z[c]) }
                return v
            }
        }
    }

    /// Calibrated class probabilities of logits rows (softmax of `calibratedLogits`, in Double).
    public func probabilities(_ logits: [[Float]]) -> [[Double]] {
        logits.map { LogitCalibration.softmax(calibratedLogits($0)) }
    }

    /// Softmax of one row, stable for any finite input.
    public static func softmax(_ z: [Double]) -> [Double] {
        let top = z.max() ?? 0
        let e = z.map { Foundation.exp($0 - top) }
        let total = e.reduce(0, +)
        return e.map { $0 / total }
    }

    /// Mean negative log-likelihood of `labels` under the calibrated probabilities of `logits`.
    public func negativeLogLikelihood(logits: [[Float]], labels: [Int]) -> Double {
        var total = 0.0
        for (row, label) in zip(logits, labels) {
            let z = calibratedLogits(row)
            let top = z.max() ?? 0
            total += Foundation.log(z.reduce(0) { $0 + Foundation.exp($1 - top) }) + top - z[label]
        }
        return total / Double(Swift.max(labels.count, 1))
    }
}

/// Errors of fitting, reading or applying a calibration.
public enum CalibrationError: Error, CustomStringConvertible, Equatable {
    /// Parameters that do not make a calibration.
    case invalidParameters(String)
    /// Data a calibration cannot be fitted on.
    case invalidData(String)
    /// A calibration file that cannot be read, or does not fit the weights beside it.
    case invalidFile(path: String, reason: String)

    /// Human-readable explanation.
    public var description: String {
        switch self {
        case .invalidParameters(let reason): "calibration: \(reason)"
        case .invalidData(let reason): "calibration: \(reason)"
        case .invalidFile(let path, let reason): "calibration file \(path): \(reason)"
        }
    }
}
