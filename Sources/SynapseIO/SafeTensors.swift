import Foundation
import SynapseCore

/// A problem with a safetensors file, with a message that says what is wrong and where.
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable {
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// The header is missing, too long, not JSON, or has a malformed entry.
    case invalidHeader(String)
    /// A tensor uses a dtype this reader does not support.
    case unsupportedDType(name: String, dtype: String)
    /// The data section is shorter than the header says, or offsets disagree with shapes.
    case invalidData(String)
    /// A requested tensor is absent.
    case missingTensor(String)
    /// A tensor has another dtype or shape than expected.
    case mismatch(String)
    /// A floating-point tensor loaded as weights holds NaN or an infinity (a diverged or damaged model).
    case nonFinite(path: String, name: String, index: Int, value: Float)

    /// Human-readable explanation.
    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read safetensors file \(path): \(reason)"
        case .invalidHeader(let m): return "invalid safetensors header: \(m)"
        case .unsupportedDType(let name, let dtype): return "tensor '\(name)' has unsupported dtype \(dtype)"
        case .invalidData(let m): return "invalid safetensors data: \(m)"
        case .missingTensor(let name): return "tensor '\(name)' is not in the file"
        case .mismatch(let m): return m
        case .nonFinite(let path, let name, let index, let value):
            return "\(path): tensor '\(name)' holds \(value) at element \(index); weights must be finite (a diverged or damaged model?)"
        }
    }

    /// The same error with the file's path at the front of its message.
    func located(in path: String) -> SafeTensorsError {
        switch self {
        case .invalidHeader(let m): return .invalidHeader("\(path): \(m)")
        case .invalidData(let m): return .invalidData("\(path): \(m)")
        case .missingTensor, .unreadable, .unsupportedDType, .mismatch, .nonFinite: return self
        }
    }
}

/// Element types of the safetensors format that Synapse reads.
public enum SafeTensorsDType: String, Sendable {
    case f32 = "F32", f64 = "F64", f16 = "F16", bf16 = "BF16", i64 = "I64", i32 = "I32", u8 = "U8", i8 = "I8", bool = "BOOL"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .f64, .i64: return 8
        case .f32, .i32: return 4
        case .f16, .bf16: return 2
        case .u8, .i8, .bool: return 1
        }
    }
}

/// The contents of a safetensors file: named tensors plus string metadata.
///
/// Format: 8-byte little-endian header length, a JSON header mapping each name to dtype, shape and
/// byte offsets, then the raw little-endian data. Loading validates the whole file before any tensor
/// is returned (see `SafeTensorsValidation`): a malformed header, truncated data, gaps, overlaps,
/// out-of-range offsets and shape/size disagreements are all reported as `SafeTensorsError`.
public struct SafeTensorsArchive: Sendable {
    /// One entry of the header.
    public struct Entry: Sendable {
        /// Element type.
        public let dtype: SafeTensorsDType
        /// Shape.
        public let shape: [Int]
        /// Byte range within the data section.
        public let range: Range<Int>
    }

    /// Header entries by tensor name.
    public let entries: [String: Entry]
    /// The `__metadata__` map.
    public let metadata: [String: String]
    private let data: Data
    private let dataStart: Int

    /// Names of all tensors, sorted.
    public var names: [String] { entries.keys.sorted() }

    /// Reads and validates the file at `url`; every error message names the file.
    public init(contentsOf url: URL) throws(SafeTensorsError) {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw .unreadable(path: url.path, reason: FileSystemReason.describe(error))
        }
        do { try self.init(data: data) } catch { throw error.located(in: url.path) }
    }

    /// Parses and validates safetensors bytes with the reference reader's rules (see
    /// `SafeTensorsValidation`): nothing is returned from a file whose header and data disagree.
    public init(data: Data) throws(SafeTensorsError) {
        let layout = try SafeTensorsValidation.validate(data)
        self.entries = layout.entries
        self.metadata = layout.metadata
        self.data = data
        self.dataStart = data.startIndex + layout.dataStart
    }

    /// Calls `body` with the raw little-endian bytes of tensor `name` as stored in the file.
    func withRawBytes<R>(of name: String, _ body: (UnsafeRawBufferPointer) -> R) throws(SafeTensorsError) -> R {
        let e = try entry(name)
        return data.withUnsafeBytes { raw in
            let start = dataStart - data.startIndex + e.range.lowerBound
            return body(UnsafeRawBufferPointer(rebasing: raw[start..<(start + e.range.count)]))
        }
    }

    private func entry(_ name: String) throws(SafeTensorsError) -> Entry {
        guard let e = entries[name] else { throw .missingTensor(name) }
        return e
    }

    /// The tensor `name` as Float32 (F32, F64, F16, BF16 and integer types are converted).
    public func tensor(_ name: String) throws(SafeTensorsError) -> Tensor {
        let e = try entry(name)
        let count = e.range.count / e.dtype.size
        return data.withUnsafeBytes { raw in
            let base = raw.baseAddress!.advanced(by: dataStart - data.startIndex + e.range.lowerBound)
            return Tensor(shape: e.shape) { out in
                for i in 0..<count { out[i] = Self.floatValue(base, i, e.dtype) }
            }
        }
    }

    /// The tensor `name` as integers (I64, I32, U8, I8, BOOL).
    public func intTensor(_ name: String) throws(SafeTensorsError) -> IntTensor {
        let e = try entry(name)
        let count = e.range.count / e.dtype.size
        let values: [Int] = data.withUnsafeBytes { raw in
            let base = raw.baseAddress!.advanced(by: dataStart - data.startIndex + e.range.lowerBound)
            return (0..<count).map { i in
                switch e.dtype {
                case .i64: return Int(Int64(littleEndian: base.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)))
                case .i32: return Int(Int32(littleEndian: base.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)))
                case .u8, .bool: return Int(base.load(fromByteOffset: i, as: UInt8.self))
                case .i8: return Int(base.load(fromByteOffset: i, as: Int8.self))
                default: return Int(Self.floatValue(base, i, e.dtype))
                }
            }
        }
        return IntTensor(shape: e.shape, scalars: values)
    }

    /// The tensor `name` as stored signed bytes; it must have dtype I8 (int8 weights).
    public func int8Values(_ name: String) throws(SafeTensorsError) -> [Int8] {
        let e = try entry(name)
        guard e.dtype == .i8 else { throw .mismatch("tensor '\(name)' has dtype \(e.dtype.rawValue); I8 was expected") }
        return try withRawBytes(of: name) { Array($0.bindMemory(to: Int8.self)) }
    }

    /// The tensor `name`, checked to have `shape` (for loading weights into a model).
    public func tensor(_ name: String, expectedShape shape: [Int]) throws(SafeTensorsError) -> Tensor {
        let e = try entry(name)
        guard e.shape == shape else {
            throw .mismatch("tensor '\(name)' has shape \(e.shape) in the file but the model expects \(shape)")
        }
        guard [.f32, .f64, .f16, .bf16].contains(e.dtype) else {
            throw .mismatch("tensor '\(name)' has dtype \(e.dtype.rawValue); a floating-point parameter was expected")
        }
        return try tensor(name)
    }

    private static func floatValue(_ base: UnsafeRawPointer, _ i: Int, _ dtype: SafeTensorsDType) -> Float {
        switch dtype {
        case .f32: return Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
        case .f64: return Float(Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))))
        case .bf16:
            let bits = UInt16(littleEndian: base.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
            return Float(bitPattern: UInt32(bits) << 16)
        case .f16:
            let bits = UInt16(littleEndian: base.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
            return Float(halfBits: bits)
        case .i64: return Float(Int64(littleEndian: base.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)))
        case .i32: return Float(Int32(littleEndian: base.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)))
        case .u8, .bool: return Float(base.load(fromByteOffset: i, as: UInt8.self))
        case .i8: return Float(base.load(fromByteOffset: i, as: Int8.self))
        }
    }
}

extension Float {
    /// Decodes IEEE 754 half-precision bits (portable: no Float16 type needed).
    init(halfBits h: UInt16) {
        let sign = UInt32(h >> 15) << 31
        var exp = Int32((h >> 10) & 0x1f)
        var mant = UInt32(h & 0x3ff)
        if exp == 0 {
            if mant == 0 { self = Float(bitPattern: sign); return }
            while mant & 0x400 == 0 { mant <<= 1; exp -= 1 }
            exp += 1
            mant &= 0x3ff
        } else if exp == 31 {
            self = Float(bitPattern: sign | 0x7f80_0000 | (mant << 13)); return
        }
        self = Float(bitPattern: sign | UInt32(exp + 112) << 23 | (mant << 13))
    }
}

/// A tensor of signed bytes to write as dtype I8 (int8 weights).
public struct Int8TensorData: Sendable, Equatable {
    /// The tensor's shape.
    public let shape: [Int]
    /// Row-major values, as many as the shape holds.
    public let values: [Int8]

    /// `values` shaped as `shape`.
    public init(shape: [Int], values: [Int8]) {
        require(shape.reduce(1, *) == values.count, "Int8TensorData: \(values.count) values for shape \(shape)")
        self.shape = shape
        self.values = values
    }
}

/// Writes tensors in the safetensors format.
public enum SafeTensors {
    /// Encodes `tensors` (Float32), optional integer tensors (I64), bfloat16 tensors (BF16, rounded
    /// to nearest-even), float16 tensors (F16, rounded to nearest-even; beyond ±65504 they become ±inf,
    /// so check the range first) and int8 tensors (I8) with string `metadata`.
    public static func encode(_ tensors: [String: Tensor], ints: [String: IntTensor] = [:], bfloat16: [String: Tensor] = [:],
                              float16: [String: Tensor] = [:], int8: [String: Int8TensorData] = [:],
                              metadata: [String: String] = [:]) -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        var blobs: [(String, Data)] = []
        for name in tensors.keys.sorted() {
            let t = tensors[name]!
            var d = Data(count: t.count * 4)
            t.withUnsafeBufferPointer { src in
                d.withUnsafeMutableBytes { dst in
                    for (i, v) in src.enumerated() { dst.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self) }
                }
            }
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + d.count]]
            offset += d.count
            blobs.append((name, d))
        }
        for name in ints.keys.sorted() {
            let t = ints[name]!
            var d = Data(count: t.count * 8)
            d.withUnsafeMutableBytes { dst in
                for (i, v) in t.scalars.enumerated() { dst.storeBytes(of: Int64(v).littleEndian, toByteOffset: i * 8, as: Int64.self) }
            }
            header[name] = ["dtype": "I64", "shape": t.shape, "data_offsets": [offset, offset + d.count]]
            offset += d.count
            blobs.append((name, d))
        }
        for name in bfloat16.keys.sorted() {
            let bits = BFloat16Tensor(bfloat16[name]!).bits
            var d = Data(count: bits.count * 2)
            d.withUnsafeMutableBytes { dst in
                for (i, v) in bits.enumerated() { dst.storeBytes(of: v.littleEndian, toByteOffset: i * 2, as: UInt16.self) }
            }
            header[name] = ["dtype": "BF16", "shape": bfloat16[name]!.shape, "data_offsets": [offset, offset + d.count]]
            offset += d.count
            blobs.append((name, d))
        }
        for name in float16.keys.sorted() {
            let t = float16[name]!
            var d = Data(count: t.count * 2)
            t.withUnsafeBufferPointer { src in
                d.withUnsafeMutableBytes { dst in
                    for (i, v) in src.enumerated() { dst.storeBytes(of: Float16(v).bitPattern.littleEndian, toByteOffset: i * 2, as: UInt16.self) }
                }
            }
            header[name] = ["dtype": "F16", "shape": t.shape, "data_offsets": [offset, offset + d.count]]
            offset += d.count
            blobs.append((name, d))
        }
        for name in int8.keys.sorted() {
            let t = int8[name]!
            let d = t.values.withUnsafeBytes { Data($0) }
            header[name] = ["dtype": "I8", "shape": t.shape, "data_offsets": [offset, offset + d.count]]
            offset += d.count
            blobs.append((name, d))
        }
        // BF16, F16 then I8 blocks come last, so every F32 and I64 block before them stays aligned to its element size.
        var json = (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data("{}".utf8)
        // Pad the header with spaces so the data section starts 8-byte aligned (as the reference writer does).
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var out = Data()
        var len = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &len) { out.append(contentsOf: $0) }
        out.append(json)
        for (_, d) in blobs { out.append(d) }
        return out
    }

    /// Atomically writes `tensors` to `url` as a safetensors file.
    public static func save(_ tensors: [String: Tensor], ints: [String: IntTensor] = [:], bfloat16: [String: Tensor] = [:],
                            float16: [String: Tensor] = [:], int8: [String: Int8TensorData] = [:],
                            metadata: [String: String] = [:], to url: URL) throws {
        try AtomicFile.write(encode(tensors, ints: ints, bfloat16: bfloat16, float16: float16, int8: int8, metadata: metadata), to: url)
    }

    /// Reads and validates a safetensors file.
    public static func load(from url: URL) throws(SafeTensorsError) -> SafeTensorsArchive {
        try SafeTensorsArchive(contentsOf: url)
    }
}
