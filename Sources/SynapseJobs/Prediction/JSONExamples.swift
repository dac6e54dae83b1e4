import Foundation
import SynapseCore
import SynapseIO

/// Reads the examples of a JSON prediction input: JSON lines (one example per line, blank lines
/// skipped), or one JSON array of examples, or one example of numbers alone (a single image written
/// as nested rows).
package enum JSONExamples {
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

    /// The numbers of a (nested) array of numbers, row-major; nil if anything else is inside, or if
    /// the nesting is ragged (rows of different lengths, a number beside an array): a 28×28 image
    /// written as rows is read, but `[0, [1], 2, ...]` is refused rather than silently flattened.
    package static func flattenedNumbers(_ value: Any) -> [Double]? {
        // A row of numbers parsed straight into [Double] (the server's request reader) needs no unboxing.
        if isNumberRow(value) { return value as? [Double] }
        if let n = number(value) { return [n] }
        var out: [Double] = []
        guard appendRectangular(value, into: &out) != nil else { return nil }
        return out
    }

    /// Appends the numbers of `value` to `out` and returns its shape; nil when it is not a
    /// rectangular array of numbers.
    private static func appendRectangular(_ value: Any, into out: inout [Double]) -> [Int]? {
        if isNumberRow(value), let row = value as? [Double] {
            out += row
            return [row.count]
        }
        if let n = number(value) {
            out.append(n)
            return []
        }
        guard isArray(value), let array = value as? [Any] else { return nil }
        var inner: [Int]? = nil
        for element in array {
            guard let shape = appendRectangular(element, into: &out) else { return nil }
            if let inner, inner != shape { return nil }
            inner = shape
        }
        return [array.count] + (inner ?? [])
    }

    /// Whether `value` is a row of numbers as the server's request reader parses it (`[Double]`).
    package static func isNumberRow(_ value: Any) -> Bool { type(of: value) == [Double].self }

    /// Whether `value` is an array (any Swift array, or a Foundation one).
    ///
    /// Checked by conformance and metatype before any `as?`/`is` with a Foundation type: on Linux
    /// such a check of a Swift array first bridges it to an `NSArray`, boxing every element (784
    /// `NSNumber`s for one Fashion-MNIST image, most of a served request's time).
    package static func isArray(_ value: Any) -> Bool {
        value is any JSONArrayValue || type(of: value) is NSArray.Type
    }

    /// Whether `value` is an object (any Swift dictionary, or a Foundation one).
    package static func isObject(_ value: Any) -> Bool {
        value is any JSONObjectValue || type(of: value) is NSDictionary.Type
    }

    /// Whether `value` is text (a Swift or Foundation string).
    package static func isString(_ value: Any) -> Bool {
        type(of: value) == String.self || type(of: value) is NSString.Type
    }

    /// `value` as a number (a JSON number; strings and booleans are not numbers here).
    package static func number(_ value: Any) -> Double? {
        // Swift values first (the server's request reader); NSNumber covers JSONSerialization's output.
        let type = type(of: value)
        if type == Double.self { return value as? Double }
        if type == Int.self { return (value as? Int).map(Double.init) }
        if type == Bool.self || type == String.self || type is NSNull.Type || value is any JSONArrayValue
            || value is any JSONObjectValue {
            return nil
        }
        guard let n = value as? NSNumber, !isBool(n) else { return nil }
        return n.doubleValue
    }

    /// Whether a Foundation number is a JSON boolean (JSONSerialization reads true/false as NSNumber).
    package static func isBool(_ number: NSNumber) -> Bool {
        let type = String(cString: number.objCType)
        return type == "c" || type == "B"
    }
}

/// Marks Swift arrays, so a parsed JSON value is recognised as one by conformance, without the
/// `NSArray` bridging that `as? [Any]` starts on Linux.
package protocol JSONArrayValue {}
extension Array: JSONArrayValue {}

/// Marks Swift dictionaries, for the same reason as `JSONArrayValue`.
package protocol JSONObjectValue {}
extension Dictionary: JSONObjectValue {}
