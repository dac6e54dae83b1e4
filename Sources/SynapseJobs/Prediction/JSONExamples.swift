import Foundation
import SynapseCore
import SynapseIO

/// Reads the examples of a JSON prediction input: JSON lines (one example per line, blank lines
/// skipped), or one JSON array of examples, or one example of numbers alone (a single image written
/// as nested rows).
enum JSONExamples {
    /// One example with where it came from ("line 3", "example 2").
    struct Example {
        let location: String
        let value: Any
    }

    /// The examples of `url`. `singleExampleSize` is the number of values one example of numbers
    /// holds (pixels, window length), nil where examples are objects: with it, a whole file that is
    /// one flat array of numbers, or a nested one of exactly that many, is one example, not a list.
    /// - Throws: `PredictionError.unreadableInput` naming the file and line.
    static func read(_ url: URL, singleExampleSize: Int?) throws(PredictionError) -> [Example] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .unreadableInput(path: url.path, reason: FileSystemReason.describe(error))
        }
        if let whole = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) {
            if let array = whole as? [Any] {
                // Examples are arrays or objects: an array of numbers alone is one example, and so is
                // a nested array holding exactly one example's numbers (an image written as rows).
                let isFlat = !array.isEmpty && array.allSatisfy { JSONExamples.number($0) != nil }
                if let size = singleExampleSize, isFlat || flattenedNumbers(array)?.count == size {
                    return [Example(location: "example 0", value: array)]
                }
                return array.enumerated().map { Example(location: "example \($0.offset)", value: $0.element) }
            }
            return [Example(location: "line 1", value: whole)]
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadableInput(path: url.path, reason: "not UTF-8 text")
        }
        var examples: [Example] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { continue }
            guard let value = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8), options: [.fragmentsAllowed]) else {
                throw .unreadableInput(path: url.path, reason: "line \(i + 1) is not valid JSON (expected one JSON value per line, "
                                       + "or the whole file one JSON array)")
            }
            examples.append(Example(location: "line \(i + 1)", value: value))
        }
        return examples
    }

    /// The numbers of a (nested) array of numbers, row-major; nil if anything else is inside.
    static func flattenedNumbers(_ value: Any) -> [Double]? {
        // A row of numbers parsed straight into [Double] (the server's request reader) needs no unboxing.
        if type(of: value) == [Double].self { return value as? [Double] }
        if let n = number(value) { return [n] }
        guard let array = value as? [Any] else { return nil }
        var out: [Double] = []
        for element in array {
            guard let inner = flattenedNumbers(element) else { return nil }
            out += inner
        }
        return out
    }

    /// `value` as a number (a JSON number; strings are not numbers here).
    static func number(_ value: Any) -> Double? {
        // Swift values (the server's request reader): a Bool is not a number.
        if type(of: value) == Double.self { return value as? Double }
        if type(of: value) == Bool.self { return nil }
        return (value as? NSNumber)?.doubleValue
    }
}
