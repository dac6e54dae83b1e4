import Foundation
import SynapseCore

/// One example's prediction.
public struct Prediction: Sendable, Equatable {
    /// The example's position in the input, from 0.
    public var index: Int
    /// The predicted class (classifiers), nil for regression.
    public var className: String?
    /// The probability of each class, in `PredictionResult.classNames` order (classifiers).
    public var probabilities: [Double]
    /// The predicted values in the target's units (regression and forecasting), empty for classifiers.
    public var values: [Double]
    /// The file the example came from when the input is a directory or an image file (written as
    /// `file` in JSON lines and CSV), nil for rows of one file.
    public var file: String?

    /// A prediction.
    public init(index: Int, className: String? = nil, probabilities: [Double] = [], values: [Double] = [], file: String? = nil) {
        self.index = index
        self.className = className
        self.probabilities = probabilities
        self.values = values
        self.file = file
    }
}

/// How predictions are written.
public enum PredictionFormat: String, Sendable, CaseIterable {
    /// One JSON object per line: `{"class": ..., "index": 0, "probabilities": {...}}` or `{"index": 0, "value": ...}`.
    case jsonl
    /// A header line, then one row per example: `index,class,p_<class>...` or `index,value`.
    case csv
}

/// The predictions of a `PredictionJob` with what they mean.
public struct PredictionResult: Sendable, Equatable {
    /// Class names in probability order (classifiers); empty for regression.
    public var classNames: [String]
    /// One prediction per input example, in input order.
    public var predictions: [Prediction]
    /// What made them ("MLP 784-512-256-10 on fashion-mnist"), for the CLI's summary line.
    public var modelDescription: String

    /// A result.
    public init(classNames: [String], predictions: [Prediction], modelDescription: String) {
        self.classNames = classNames
        self.predictions = predictions
        self.modelDescription = modelDescription
    }

    /// True for classifiers (class and probabilities), false for regression (values).
    public var isClassification: Bool { !classNames.isEmpty }

    /// The predictions as text in `format`, ending with a newline.
    public func formatted(_ format: PredictionFormat) -> String {
        var lines: [String] = []
        switch format {
        case .jsonl:
            for p in predictions {
                var object: [String: Any] = ["index": p.index]
                if let file = p.file { object["file"] = file }
                if isClassification {
                    object["class"] = p.className ?? ""
                    object["probabilities"] = Dictionary(uniqueKeysWithValues: zip(classNames, p.probabilities.map(Self.rounded)))
                } else if p.values.count == 1 {
                    object["value"] = Self.rounded(p.values[0])
                } else {
                    object["values"] = p.values.map(Self.rounded)
                }
                let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
                lines.append(String(decoding: data, as: UTF8.self))
            }
        case .csv:
            let width = predictions.first?.values.count ?? 1
            let withFiles = predictions.contains { $0.file != nil }
            let header = (withFiles ? ["file"] : []) + (isClassification ? ["index", "class"] + classNames.map { "p_\($0)" }
                : width == 1 ? ["index", "value"] : ["index"] + (0..<width).map { "value_\($0)" })
            lines.append(header.map(Self.csvField).joined(separator: ","))
            for p in predictions {
                let fields = (withFiles ? [Self.csvField(p.file ?? "")] : []) + (isClassification
                    ? [String(p.index), Self.csvField(p.className ?? "")] + p.probabilities.map { String(Self.rounded($0)) }
                    : [String(p.index)] + p.values.map { String(Self.rounded($0)) })
                lines.append(fields.joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Six significant decimals: Float32 outputs carry no more.
    static func rounded(_ x: Double) -> Double { Double(String(format: "%.6g", x)) ?? x }

    /// `field`, quoted when it holds a comma, quote or line break (RFC 4180).
    static func csvField(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
