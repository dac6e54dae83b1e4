import Foundation

/// A fast JSON writer for answers: `JSONSerialization` on Linux spends ~80 µs on one prediction,
/// more than the forward pass. Objects are written with sorted keys (stable answers), numbers in
/// their shortest round-trip form, non-finite numbers as `null` (JSON has none).
enum ResponseJSON {
    /// `value` (objects, arrays, strings, numbers, booleans, `NSNull`) as JSON bytes.
    static func encode(_ value: Any) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out)
        return out
    }

    private static func write(_ value: Any, into out: inout [UInt8]) {
        // Dispatch on the exact type first: a chain of `as?` casts tries each in turn, and a cast
        // of one array type to another converts it element by element.
        let type = type(of: value)
        if type == Double.self, let d = value as? Double { return writeNumber(d, into: &out) }
        if type == String.self, let s = value as? String { return writeString(s, into: &out) }
        if type == Int.self, let i = value as? Int { return out.append(contentsOf: String(i).utf8) }
        if type == [Double].self, let numbers = value as? [Double] {
            out.append(UInt8(ascii: "["))
            for (i, d) in numbers.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeNumber(d, into: &out)
            }
            return out.append(UInt8(ascii: "]"))
        }
        if type == [String: Any].self, let object = value as? [String: Any] {
            out.append(UInt8(ascii: "{"))
            for (i, key) in object.keys.sorted().enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(object[key]!, into: &out)
            }
            return out.append(UInt8(ascii: "}"))
        }
        if type == [Any].self, let array = value as? [Any] {
            out.append(UInt8(ascii: "["))
            for (i, element) in array.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(element, into: &out)
            }
            return out.append(UInt8(ascii: "]"))
        }
        if type is NSNumber.Type, let n = value as? NSNumber {
            if JSONAnswer.isBool(n) { return out.append(contentsOf: (n.boolValue ? "true" : "false").utf8) }
            return writeNumber(n.doubleValue, into: &out)
        }
        switch value {
        case let b as Bool: out.append(contentsOf: (b ? "true" : "false").utf8)
        case let f as Float: writeNumber(Double(f), into: &out)
        case let s as String: writeString(s, into: &out)
        case let i as Int: out.append(contentsOf: String(i).utf8)
        case let d as Double: writeNumber(d, into: &out)
        case let object as [String: Any]: write(object as Any, into: &out)
        case let array as [Any]: write(array as Any, into: &out)
        case let n as NSNumber: writeNumber(n.doubleValue, into: &out)
        default: out.append(contentsOf: "null".utf8)
        }
    }

    private static func writeNumber(_ d: Double, into out: inout [UInt8]) {
        guard d.isFinite else {
            out.append(contentsOf: "null".utf8)
            return
        }
        if d == d.rounded(), abs(d) < 1e15 {
            out.append(contentsOf: String(Int64(d)).utf8)
        } else {
            out.append(contentsOf: d.description.utf8)
        }
    }

    private static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
