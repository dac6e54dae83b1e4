import Foundation

/// A strict, fast JSON reader for request bodies.
///
/// `JSONSerialization` on Linux takes ~400 µs to read one 784-pixel image request, more than the
/// model's forward pass and the whole HTTP round trip together; this reader takes a few
/// microseconds. It produces the values `ServableModel.prepare` reads: `[String: Any]` objects,
/// `[Any]` arrays (`[Double]` when every element is a number, so image rows need no boxing),
/// `Double` numbers, `Bool`, `String` and `NSNull`. It accepts exactly RFC 8259 JSON (no NaN, no
/// comments, no trailing commas), limits nesting depth so a hostile body cannot exhaust the stack,
/// and reports what is wrong with the byte offset.
enum RequestJSON {
    /// Nesting deeper than this is refused (requests need 4 levels).
    static let maximumDepth = 64

    /// Why a body is not JSON.
    struct Failure: Error, CustomStringConvertible {
        /// What is wrong, with the byte offset.
        let description: String
    }

    /// Parses `bytes` as one JSON value surrounded only by whitespace.
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> Any {
        var reader = Reader(bytes: bytes)
        reader.skipWhitespace()
        let value = try reader.value(depth: 0)
        reader.skipWhitespace()
        guard reader.position == bytes.count else { throw reader.failure("unexpected text after the JSON value") }
        return value
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var position = 0

        func failure(_ what: String) -> Failure { Failure(description: "\(what) at byte \(position)") }

        var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws(Failure) -> Any {
            guard let byte = current else { throw failure("unexpected end of the body") }
            switch byte {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return try string()
            case UInt8(ascii: "t"): try literal("true"); return true
            case UInt8(ascii: "f"): try literal("false"); return false
            case UInt8(ascii: "n"): try literal("null"); return NSNull()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw failure("unexpected character '\(Character(Unicode.Scalar(byte)))'")
            }
        }

        mutating func literal(_ word: StaticString) throws(Failure) {
            let count = word.utf8CodeUnitCount
            guard position + count <= bytes.count else { throw failure("unexpected end of the body") }
            for i in 0..<count where bytes[position + i] != word.utf8Start[i] { throw failure("invalid literal") }
            position += count
        }

        mutating func object(depth: Int) throws(Failure) -> [String: Any] {
            guard depth <= RequestJSON.maximumDepth else { throw failure("nesting deeper than \(RequestJSON.maximumDepth) levels") }
            position += 1
            var result: [String: Any] = [:]
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                position += 1
                return result
            }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else { throw failure("expected a member name in quotes") }
                let key = try string()
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { throw failure("expected ':' after a member name") }
                position += 1
                skipWhitespace()
                guard result[key] == nil else { throw failure("duplicate member \"\(key.prefix(40))\"") }
                result[key] = try value(depth: depth)
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "}"):
                    position += 1
                    return result
                default: throw failure("expected ',' or '}' in an object")
                }
            }
        }

        mutating func array(depth: Int) throws(Failure) -> Any {
            guard depth <= RequestJSON.maximumDepth else { throw failure("nesting deeper than \(RequestJSON.maximumDepth) levels") }
            position += 1
            var numbers: [Double] = []
            var mixed: [Any]? = nil
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                position += 1
                return [Any]()
            }
            while true {
                skipWhitespace()
                // Numbers while the array holds only numbers go straight into [Double], never boxed as Any.
                if mixed == nil, let byte = current, byte == UInt8(ascii: "-") || (byte >= 0x30 && byte <= 0x39) {
                    numbers.append(try number())
                } else {
                    let element = try value(depth: depth)
                    if mixed == nil { mixed = numbers.map { $0 as Any } }
                    mixed!.append(element)
                }
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "]"):
                    position += 1
                    // Not `mixed ?? numbers`: that converts the numbers to [Any], boxing each one.
                    if let mixed { return mixed }
                    return numbers
                default: throw failure("expected ',' or ']' in an array")
                }
            }
        }

        mutating func number() throws(Failure) -> Double {
            // One pass for the common case, a whole number of at most 15 digits (pixels, ids): exact
            // as a Double. Anything else (fractions, exponents, longer numbers, bad grammar) is
            // read again by the full path below.
            var i = position
            let negative = bytes[i] == UInt8(ascii: "-")
            if negative { i += 1 }
            let digitsStart = i
            var magnitude: Int64 = 0
            while i < bytes.count, bytes[i] &- 0x30 < 10, i - digitsStart < 16 {
                magnitude = magnitude &* 10 &+ Int64(bytes[i] &- 0x30)
                i += 1
            }
            let digits = i - digitsStart
            if digits > 0 && digits <= 15 && (digits == 1 || bytes[digitsStart] != 0x30) {
                let next = i < bytes.count ? bytes[i] : 0
                if next != UInt8(ascii: ".") && next != UInt8(ascii: "e") && next != UInt8(ascii: "E") {
                    position = i
                    // -0 stays -0.0, as strtod reads it.
                    return negative ? -Double(magnitude) : Double(magnitude)
                }
            }
            return try generalNumber()
        }

        /// Any JSON number: the grammar checked byte by byte, then strtod.
        mutating func generalNumber() throws(Failure) -> Double {
            let start = position
            if current == UInt8(ascii: "-") { position += 1 }
            guard let first = current, first >= 0x30, first <= 0x39 else { throw failure("expected a digit") }
            position += 1
            if first != 0x30 { skipDigits() }
            if current == UInt8(ascii: ".") {
                position += 1
                guard let d = current, d >= 0x30, d <= 0x39 else { throw failure("expected a digit after '.'") }
                skipDigits()
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                position += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
                guard let d = current, d >= 0x30, d <= 0x39 else { throw failure("expected a digit in an exponent") }
                skipDigits()
            }
            let length = position - start
            // strtod on a NUL-terminated copy: the grammar was checked above, so it reads exactly these bytes.
            let value: Double = withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer in
                for i in 0..<length { buffer[i] = CChar(bitPattern: bytes[start + i]) }
                buffer[length] = 0
                return strtod(buffer.baseAddress!, nil)
            }
            return value
        }

        mutating func skipDigits() {
            while let d = current, d >= 0x30, d <= 0x39 { position += 1 }
        }

        mutating func string() throws(Failure) -> String {
            position += 1
            let start = position
            // Fast path: no escapes.
            while let byte = current {
                if byte == UInt8(ascii: "\"") {
                    let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
                    position += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                guard byte >= 0x20 else { throw failure("control character in a string") }
                position += 1
            }
            var utf8 = Array(bytes[start..<position])
            while let byte = current {
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(decoding: utf8, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let escape = current else { throw failure("unexpected end of the body in a string") }
                    position += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
                    case UInt8(ascii: "b"): utf8.append(0x08)
                    case UInt8(ascii: "f"): utf8.append(0x0C)
                    case UInt8(ascii: "n"): utf8.append(0x0A)
                    case UInt8(ascii: "r"): utf8.append(0x0D)
                    case UInt8(ascii: "t"): utf8.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if (0xD800..<0xDC00).contains(scalar) {
                            guard current == UInt8(ascii: "\\"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u") else {
                                throw failure("unpaired surrogate in a string")
                            }
                            position += 2
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired surrogate in a string") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else if (0xDC00..<0xE000).contains(scalar) {
                            throw failure("unpaired surrogate in a string")
                        }
                        utf8.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
                    default: throw failure("invalid escape in a string")
                    }
                default:
                    guard byte >= 0x20 else { throw failure("control character in a string") }
                    utf8.append(byte)
                }
            }
            throw failure("unterminated string")
        }

        mutating func hex4() throws(Failure) -> UInt32 {
            guard position + 4 <= bytes.count else { throw failure("unexpected end of the body in a \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[position]
                let digit: UInt32
                switch c {
                case 0x30...0x39: digit = UInt32(c - 0x30)
                case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
                case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
                default: throw failure("invalid \\u escape")
                }
                value = value * 16 + digit
                position += 1
            }
            return value
        }
    }
}
