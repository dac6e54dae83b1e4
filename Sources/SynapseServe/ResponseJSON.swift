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
        switch value {
        case let s as String: writeString(s, into: &out)
        case let b as Bool: out += b ? Array("true".utf8) : Array("false".utf8)
        case let i as Int: out += Array(String(i).utf8)
        case let d as Double: writeNumber(d, into: &out)
        case let f as Float: writeNumber(Double(f), into: &out)
        case let numbers as [Double]:
            out.append(UInt8(ascii: "["))
            for (i, d) in numbers.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeNumber(d, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let object as [String: Any]:
            out.append(UInt8(ascii: "{"))
            for (i, key) in object.keys.sorted().enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(object[key]!, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        case let array as [Any]:
            out.append(UInt8(ascii: "["))
            for (i, element) in array.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let n as NSNumber: writeNumber(n.doubleValue, into: &out)
        default: out += Array("null".utf8)
        }
    }

    private static func writeNumber(_ d: Double, into out: inout [UInt8]) {
        guard d.isFinite else {
            out += Array("null".utf8)
            return
        }
        if d == d.rounded(), abs(d) < 1e15 {
            out += Array(String(Int64(d)).utf8)
        } else {
            out += Array(d.description.utf8)
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
