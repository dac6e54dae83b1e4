import Foundation
import SynapseCore

/// The rules a safetensors file must satisfy before any tensor is read from it, as the reference
/// (Rust `safetensors`) reader applies them:
///
/// - an 8-byte little-endian header length `n` with `n ≤ 100 MB` and `8 + n ≤ file size`;
/// - the header is valid UTF-8 JSON: one object (trailing spaces allowed) without duplicate keys;
/// - `__metadata__`, if present, maps strings to strings;
/// - every other member is `{"dtype", "shape", "data_offsets"}` with non-negative integer shape
///   entries and exactly two integer offsets `begin ≤ end`;
/// - `elements(shape) × dtype size == end − begin`, computed without overflow;
/// - sorted by offset, the tensors cover the data section contiguously from byte 0 — no gap, no
///   overlap — and the last one ends exactly at the end of the file.
///
/// The last rule is what catches a header length that is off by a few bytes: every tensor would
/// otherwise be read shifted.
enum SafeTensorsValidation {
    /// Header lengths above this are refused (the reference reader's limit).
    static let maximumHeaderLength = 100_000_000

    /// What a valid file holds.
    struct Layout {
        var entries: [String: SafeTensorsArchive.Entry]
        var metadata: [String: String]
        /// Offset of the data section from the start of the bytes.
        var dataStart: Int
    }

    static func validate(_ data: Data) throws(SafeTensorsError) -> Layout {
        guard data.count >= 8 else { throw .invalidHeader("file is \(data.count) bytes, shorter than the 8-byte header length") }
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(data[data.startIndex + i]) << (8 * UInt64(i)) }
        guard length <= UInt64(maximumHeaderLength) else {
            throw .invalidHeader("header length \(length) exceeds the \(maximumHeaderLength)-byte limit (damaged length field?)")
        }
        // Both sides are small now (≤ 100 MB and a Data count): no overflow.
        let headerLength = Int(length)
        guard headerLength <= data.count - 8 else {
            throw .invalidHeader("header length \(length) exceeds the \(data.count - 8) bytes after it (truncated file?)")
        }
        let headerStart = data.startIndex + 8
        let headerBytes = [UInt8](data[headerStart..<(headerStart + headerLength)])
        guard headerBytes.first == UInt8(ascii: "{") else {
            throw .invalidHeader("header does not start with '{' (not a safetensors file, or a wrong header length)")
        }
        let root: HeaderJSON
        do { root = try HeaderJSON.parse(headerBytes) } catch { throw .invalidHeader("header is not valid JSON: \(error.message)") }
        guard case .object(let members) = root else { throw .invalidHeader("header is not a JSON object") }

        let dataLength = data.count - 8 - headerLength
        var entries: [String: SafeTensorsArchive.Entry] = [:]
        var metadata: [String: String]?
        for (name, value) in members {
            if name == "__metadata__" {
                guard metadata == nil else { throw .invalidHeader("'__metadata__' appears twice") }
                metadata = try parseMetadata(value)
                continue
            }
            guard entries[name] == nil else { throw .invalidHeader("tensor '\(name)' appears twice in the header") }
            entries[name] = try parseEntry(name, value, dataLength: dataLength)
        }
        try checkCoverage(entries, dataLength: dataLength)
        return Layout(entries: entries, metadata: metadata ?? [:], dataStart: 8 + headerLength)
    }

    private static func parseMetadata(_ value: HeaderJSON) throws(SafeTensorsError) -> [String: String] {
        guard case .object(let pairs) = value else { throw .invalidHeader("'__metadata__' is \(value.kind), not an object") }
        var out: [String: String] = [:]
        for (key, v) in pairs {
            guard case .string(let s) = v else { throw .invalidHeader("metadata value for '\(key)' is \(v.kind), not a string") }
            guard out[key] == nil else { throw .invalidHeader("metadata key '\(key)' appears twice") }
            out[key] = s
        }
        return out
    }

    private static func parseEntry(_ name: String, _ value: HeaderJSON, dataLength: Int) throws(SafeTensorsError) -> SafeTensorsArchive.Entry {
        guard case .object(let fields) = value else { throw .invalidHeader("entry '\(name)' is \(value.kind), not an object") }
        var byName: [String: HeaderJSON] = [:]
        for (key, v) in fields {
            guard byName[key] == nil else { throw .invalidHeader("entry '\(name)' has '\(key)' twice") }
            byName[key] = v
        }
        guard case .string(let dt)? = byName["dtype"] else { throw .invalidHeader("entry '\(name)' has no dtype string") }
        guard let dtype = SafeTensorsDType(rawValue: dt) else { throw .unsupportedDType(name: name, dtype: dt) }
        guard case .array(let dims)? = byName["shape"] else { throw .invalidHeader("entry '\(name)' has no shape array") }
        var shape: [Int] = []
        for d in dims {
            guard let n = d.nonNegativeInteger else {
                throw .invalidHeader("entry '\(name)' has shape entry \(d.kind); shape entries must be non-negative integers")
            }
            shape.append(n)
        }
        guard case .array(let offs)? = byName["data_offsets"], offs.count == 2,
              let begin = offs[0].nonNegativeInteger, let end = offs[1].nonNegativeInteger else {
            throw .invalidHeader("entry '\(name)' has malformed data_offsets (two non-negative integers expected)")
        }
        guard begin <= end else { throw .invalidHeader("entry '\(name)' has data_offsets [\(begin), \(end)] that run backwards") }
        var bytes = dtype.size
        for d in shape {
            let (p, overflow) = bytes.multipliedReportingOverflow(by: d)
            guard !overflow else {
                throw .invalidData("tensor '\(name)' of shape \(shape) and dtype \(dt) has more bytes than can be addressed")
            }
            bytes = p
        }
        guard bytes == end - begin else {
            throw .invalidData("tensor '\(name)' of shape \(shape) and dtype \(dt) needs \(bytes) bytes, offsets give \(end - begin)")
        }
        guard end <= dataLength else {
            throw .invalidData("tensor '\(name)' ends at byte \(end) but the data section has \(dataLength) bytes (truncated file?)")
        }
        return SafeTensorsArchive.Entry(dtype: dtype, shape: shape, range: begin..<end)
    }

    /// Sorted by offsets, each tensor must start where the previous one ended, and the last must
    /// end at the end of the data section.
    private static func checkCoverage(_ entries: [String: SafeTensorsArchive.Entry], dataLength: Int) throws(SafeTensorsError) {
        let sorted = entries.sorted {
            ($0.value.range.lowerBound, $0.value.range.upperBound, $0.key) < ($1.value.range.lowerBound, $1.value.range.upperBound, $1.key)
        }
        var covered = 0
        var previous: String?
        for (name, e) in sorted {
            if e.range.lowerBound < covered {
                throw .invalidData("tensors '\(previous ?? "")' and '\(name)' overlap (bytes \(e.range.lowerBound)..<\(covered))")
            }
            if e.range.lowerBound > covered {
                let after = previous.map { "after tensor '\($0)'" } ?? "at the start of the data section"
                throw .invalidData("\(e.range.lowerBound - covered) bytes \(after) belong to no tensor (before '\(name)')")
            }
            covered = e.range.upperBound
            if !e.range.isEmpty { previous = name }
        }
        guard covered == dataLength else {
            throw .invalidData("the tensors cover \(covered) bytes but the data section has \(dataLength); "
                + "\(dataLength - covered) trailing bytes belong to no tensor (wrong header length?)")
        }
    }
}
