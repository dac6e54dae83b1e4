import Foundation
import SynapseJobs
import Testing
@testable import SynapseServe

/// The request body reader: the same values as Foundation's JSONSerialization, typed as the
/// servables expect them (rows of numbers as `[Double]`), and strict about the grammar.
@Suite struct RequestJSONTests {
    private func parse(_ text: String) throws -> Any {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBytes { buffer throws(RequestJSON.Failure) in try RequestJSON.parse(buffer) }
    }

    @Test func rowsOfNumbersAreDoubleArraysAndNestedRowsStayNested() throws {
        let parsed = try #require(try parse(#"{"instances": [[0, 255, -3, 1.5e2], [7]], "empty": []}"#) as? [String: Any])
        let instances = try #require(parsed["instances"] as? [Any])
        // The exact type matters: the servables read such rows without unboxing element by element.
        #expect(type(of: instances[0]) == [Double].self)
        #expect(instances[0] as? [Double] == [0, 255, -3, 150])
        #expect(instances[1] as? [Double] == [7])
        #expect(JSONExamples.isNumberRow(instances[0]))
        #expect((parsed["empty"] as? [Any])?.isEmpty == true)
    }

    @Test func mixedArraysKeepEveryElementInOrder() throws {
        let array = try #require(try parse(#"[1, "a", null, true, [2], {"k": 3}, -0.5]"#) as? [Any])
        #expect(array.count == 7)
        #expect(array[0] as? Double == 1)
        #expect(array[1] as? String == "a")
        #expect(array[2] is NSNull)
        #expect(array[3] as? Bool == true)
        #expect(array[4] as? [Double] == [2])
        #expect((array[5] as? [String: Any])?["k"] as? Double == 3)
        #expect(array[6] as? Double == -0.5)
    }

    @Test func numbersAreCorrectlyRoundedBitForBit() throws {
        // Whole numbers take a fast path, the rest strtod: both must give Foundation's Double.
        var generator = SplitMix64(seed: 7)
        var texts = ["0", "-0", "1", "-1", "255", "999999999999999", "-999999999999999", "1000000000000000",
                     "9007199254740993", "12345678901234567890", "0.1", "1e2", "1E-7", "-2.5e+3", "3.0", "0.000001"]
        for _ in 0..<2000 {
            switch Int.random(in: 0..<3, using: &generator) {
            case 0: texts.append(String(Int64.random(in: -999_999_999_999_999...999_999_999_999_999, using: &generator)))
            case 1: texts.append(String(Double.random(in: -1e6...1e6, using: &generator)))
            default: texts.append(String(Float.random(in: 0...1, using: &generator)))
            }
        }
        let body = "[" + texts.joined(separator: ",") + "]"
        let ours = try #require(try parse(body) as? [Double])
        #expect(ours.count == texts.count)
        // Against Double(String), which rounds correctly (Foundation's JSONSerialization on Linux
        // gets some long decimals wrong in the last bit).
        for (i, a) in ours.enumerated() {
            let expected = try #require(Double(texts[i]))
            #expect(a.bitPattern == expected.bitPattern || (a == 0 && expected == 0), "\(texts[i]): \(a) vs \(expected)")
        }
        #expect(ours[1].sign == .minus, "-0 keeps its sign")
    }

    @Test func rejectsWhatJSONDoesNotAllow() {
        for bad in ["[1,]", "[01]", "[NaN]", "[Infinity]", "[1.]", "[.5]", "[-]", "[1e]", "{\"a\" 1}", "[1 2]", "", "[", "\"\\x\"",
                    "[1] x", "{\"a\":1,}", "[+1]"] {
            #expect(throws: RequestJSON.Failure.self, "\(bad)") { try parse(bad) }
        }
        let deep = String(repeating: "[", count: RequestJSON.maximumDepth + 2) + String(repeating: "]", count: RequestJSON.maximumDepth + 2)
        #expect(throws: RequestJSON.Failure.self) { try parse(deep) }
    }

    @Test func answersAreValidJSONWithSortedKeysAndNoNonFiniteNumbers() throws {
        let answer: [String: Any] = [
            "predictions": [["class": 7, "label": "Sneaker \"quoted\"\n", "probabilities": [0.25, 0.5, 1e-7, 3.0]] as [String: Any],
                            ["value": Double.nan] as [String: Any], ["value": Float(2.5)] as [String: Any]] as [Any],
            "model": "fashion", "model_version": "1", "flags": [true, false] as [Any], "ints": [1, 2] as [Int],
            "missing": NSNull(), "bridged": NSNumber(value: 4.5), "bridgedBool": NSNumber(value: true),
        ]
        let bytes = ResponseJSON.encode(answer)
        let text = String(decoding: bytes, as: UTF8.self)
        // Keys sorted at every level, so answers are stable byte for byte.
        #expect(text.hasPrefix(#"{"bridged":4.5,"bridgedBool":true,"flags":[true,false],"ints":[1,2],"missing":null,"model":"fashion""#))
        #expect(text.contains(#"{"class":7,"label":"Sneaker \"quoted\"\n","probabilities":[0.25,0.5,1e-07,3]}"#), "\(text)")
        #expect(text.contains(#"{"value":null}"#), "NaN is not JSON: written as null")
        #expect(text.contains(#"{"value":2.5}"#))
        // And Foundation reads it back as the same values.
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        let predictions = try #require(parsed["predictions"] as? [[String: Any]])
        #expect(predictions[0]["probabilities"] as? [Double] == [0.25, 0.5, 1e-7, 3.0])
        #expect(predictions[0]["label"] as? String == "Sneaker \"quoted\"\n")
    }

    @Test func nestedRowsMustBeRectangular() throws {
        let nested = try parse("[[1, 2, 3], [4, 5, 6]]")
        #expect(JSONExamples.flattenedNumbers(nested) == [1, 2, 3, 4, 5, 6])
        #expect(JSONExamples.flattenedNumbers(try parse("[[[1], [2]], [[3], [4]]]")) == [1, 2, 3, 4])
        // A number beside an array, or rows of different lengths, are malformed, not flattened.
        for ragged in ["[0, [1], 2]", "[[1, 2], [3]]", "[[1, 2], 3, 4]", "[[[1, 2]], [[3], [4]]]", "[1, \"2\"]", "[[1, null]]"] {
            #expect(JSONExamples.flattenedNumbers(try parse(ragged)) == nil, "\(ragged)")
        }
    }
}
