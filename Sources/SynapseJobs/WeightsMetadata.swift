import Foundation
import SynapseCore

/// Typed, range-checked access to the string metadata of a weights file. Metadata is external
/// input: a hand-edited or corrupted file can hold `inf`, `-1` or `1e19` where a size is expected,
/// and converting those blindly traps (float-to-integer conversion) or allocates without bound.
/// Every accessor throws `PipelineError.invalidRun` naming the file and the key instead.
public struct WeightsMetadata: Sendable {
    /// The raw key/value pairs.
    public let values: [String: String]
    /// The file they came from (named in errors).
    public let path: String

    /// Wraps `values` read from `path`.
    public init(_ values: [String: String], path: String) {
        self.values = values
        self.path = path
    }

    private func fail(_ key: String, _ reason: String) -> PipelineError {
        .invalidRun(path: path, reason: "metadata '\(key)' \(reason)")
    }

    private func shown(_ key: String) -> String { values[key].map { "'\($0)'" } ?? "missing" }

    /// The string under `key`, or nil when absent.
    public func optionalString(_ key: String) -> String? { values[key] }

    /// A whole number in `range`; nil when absent.
    public func optionalInteger(_ key: String, in range: ClosedRange<Int>) throws(PipelineError) -> Int? {
        guard let text = values[key] else { return nil }
        // Int(text) refuses `inf`, `1.8e19` and fractions instead of trapping on a Double conversion.
        guard let v = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(v) else {
            throw fail(key, "is '\(text)'; expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return v
    }

    /// A whole number in `range`.
    public func integer(_ key: String, in range: ClosedRange<Int>) throws(PipelineError) -> Int {
        guard let v = try optionalInteger(key, in: range) else {
            throw fail(key, "is missing; expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return v
    }

    /// A random seed: a whole number from 0 to 2^64 - 1.
    public func seed(_ key: String = "seed") throws(PipelineError) -> UInt64 {
        guard let text = values[key], let v = UInt64(text.trimmingCharacters(in: .whitespaces)) else {
            throw fail(key, "is \(shown(key)); expected a whole number from 0 to \(UInt64.max)")
        }
        return v
    }

    /// A fraction strictly between 0 and 1 (a split part).
    public func fraction(_ key: String) throws(PipelineError) -> Double {
        guard let text = values[key], let v = Double(text), v.isFinite, v > 0, v < 1 else {
            throw fail(key, "is \(shown(key)); expected a number strictly between 0 and 1")
        }
        return v
    }

    /// Comma-separated widths, each in `range`, at most `maxCount` of them; nil when absent.
    public func optionalSizes(_ key: String, in range: ClosedRange<Int>, maxCount: Int) throws(PipelineError) -> [Int]? {
        guard let text = values[key] else { return nil }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.count <= maxCount, parts.allSatisfy({ $0.map(range.contains) ?? false }) else {
            throw fail(key, "is '\(text)'; expected 1 to \(maxCount) comma-separated widths from \(range.lowerBound) to \(range.upperBound)")
        }
        return parts.map { $0! }
    }
}

/// Parameter counts of the models the CLI rebuilds from metadata, computed before anything is
/// allocated, and the limit above which a rebuild is refused: a file claiming a 10^11-wide layer
/// must fail with a message, not take the machine's memory.
public enum ModelSizeLimit {
    /// The most parameters a rebuilt model may have: 2^29 Float32 values, 2 GiB.
    public static let maxParameters = 1 << 29

    // Counts are computed in Double: the factors are range-checked (each below 2^31), so products
    // cannot overflow and the comparison with the limit stays exact enough.

    /// Parameters of `MLPClassifier(inputSize:hiddenSizes:classes:)`.
    public static func mlp(inputSize: Int, hiddenSizes: [Int], classes: Int) -> Double {
        let widths = [inputSize] + hiddenSizes + [classes]
        return zip(widths, widths.dropFirst()).reduce(0) { $0 + Double($1.0) * Double($1.1) + Double($1.1) }
    }

    /// Parameters of `CharLSTMLanguageModel` (embedding, LSTM layers with both bias vectors, head).
    public static func charLSTM(vocabulary: Int, embedding: Int, hidden: Int, layers: Int) -> Double {
        let v = Double(vocabulary), e = Double(embedding), h = Double(hidden)
        let firstLayer = 4 * h * (e + h + 2), laterLayer = 4 * h * (h + h + 2)
        return v * e + firstLayer + Double(max(layers - 1, 0)) * laterLayer + h * v + v
    }

    /// Parameters of `GPTLanguageModel` (embeddings, positions, blocks, final norm, head).
    public static func gpt(vocabulary: Int, context: Int, dModel: Int, numLayers: Int, dimFeedforward: Int) -> Double {
        let v = Double(vocabulary), w = Double(dModel), m = Double(dimFeedforward)
        let block = 4 * w + (4 * w * w + 4 * w) + (w * m + m + m * w + w)
        return v * w + Double(context) * w + Double(numLayers) * block + 2 * w + w * v + v
    }

    /// Parameters of `GPTLanguageModel`, in the old spelling.
    @available(*, deprecated, renamed: "gpt(vocabulary:context:dModel:numLayers:dimFeedforward:)")
    public static func gpt(vocabulary: Int, context: Int, width: Int, layers: Int, mlpWidth: Int) -> Double {
        gpt(vocabulary: vocabulary, context: context, dModel: width, numLayers: layers, dimFeedforward: mlpWidth)
    }

    /// Refuses a model of `parameters` above `maxParameters`, naming `model` and where its sizes came
    /// from (`source`: the weights file, or a flag).
    public static func check(_ parameters: Double, model: String, source: String) throws(PipelineError) {
        guard parameters <= Double(maxParameters) else {
            throw .invalidRun(path: source, reason: "a \(model) of \(String(format: "%.3g", parameters)) parameters "
                              + "(\(String(format: "%.3g", parameters * 4 / 1e9)) GB) exceeds the limit of \(maxParameters) parameters (2 GiB)")
        }
    }
}
