import Foundation
import SynapseCore

/// An n-dimensional array stored in the IDX format (the format of MNIST and Fashion-MNIST).
///
/// Layout: two zero bytes, an element-type code (`IDXElementType`), the number of dimensions,
/// then each dimension as a big-endian 32-bit integer, then the elements in row-major order,
/// big-endian. Files may be gzip-compressed; the reader detects that from the content.
///
/// Reading validates the whole header against the file size before any element is touched:
/// truncated files, bad magic numbers, unknown type codes, dimensions that overflow or exceed the
/// file, and trailing bytes all throw a `DataError` naming the file.
public struct IDXFile: Sendable, Equatable {
    /// The element type.
    public let elementType: IDXElementType
    /// The size of each dimension.
    public let shape: [Int]
    /// The raw elements in row-major order, big-endian as in the file.
    public let payload: [UInt8]

    /// Number of elements (the product of `shape`).
    public var count: Int { shape.reduce(1, *) }

    /// Reads the (optionally gzip-compressed) IDX file at `url`.
    public init(contentsOf url: URL) throws(DataError) {
        try self.init(decoding: FileBytes.read(url), path: url.path)
    }

    /// The largest decoded file (header and payload) a gzip-compressed IDX file may announce: the
    /// full MNIST training images are 47 MB, so 1 GiB leaves room for bigger datasets while a
    /// forged header cannot make the reader inflate gigabytes.
    public static let maxDecodedBytes = Gzip.defaultOutputLimit

    /// Decodes an IDX file held in memory (`bytes` may be gzip-compressed).
    ///
    /// A compressed file's header is inflated first; the rest is inflated only up to the size that
    /// header announces (plus one byte, to detect trailing data), so a gzip bomb or a forged header
    /// is refused before any large allocation.
    /// - Parameter path: names the source in error messages.
    public init(decoding raw: [UInt8], path: String = "<memory>") throws(DataError) {
        let compressed = Gzip.isCompressed(raw)
        let head = compressed ? try Gzip.decompressedPrefix(raw, count: 4 + 4 * 255, path: path) : raw
        guard head.count >= 4 else {
            throw .truncated(path: path, expectedBytes: 4, foundBytes: head.count)
        }
        guard head[0] == 0, head[1] == 0 else { throw .badMagic(path: path, found: Array(head[0..<4])) }
        guard let type = IDXElementType(rawValue: head[2]) else { throw .unsupportedType(path: path, code: head[2]) }
        let rank = Int(head[3])
        let headerSize = 4 + 4 * rank
        guard head.count >= headerSize else {
            throw .truncated(path: path, expectedBytes: headerSize, foundBytes: head.count)
        }
        let dims = (0..<rank).map { d in
            (0..<4).reduce(0) { $0 << 8 | Int(head[4 + 4 * d + $1]) }
        }
        let expected = try Self.payloadSize(dims, type, path: path)
        var bytes = raw
        if compressed {
            let total = headerSize + expected
            guard total <= Self.maxDecodedBytes else {
                throw .tooLarge(path: path, limit: Self.maxDecodedBytes,
                                reason: "the IDX header announces shape \(dims) of \(type), \(total) bytes")
            }
            // One byte more than announced is enough to report trailing data; the prefix call stops
            // there instead of inflating whatever follows.
            bytes = try Gzip.decompressedPrefix(raw, count: total + 1, path: path)
        }
        let available = bytes.count - headerSize
        if available < expected {
            if let d = dims.firstIndex(where: { $0 > bytes.count }) {
                throw .absurdDimensions(path: path, shape: dims,
                                        reason: "dimension \(d) alone exceeds the file size (\(bytes.count) bytes; "
                                            + "the header announces \(expected) bytes of data)")
            }
            throw .truncated(path: path, expectedBytes: headerSize + expected, foundBytes: bytes.count)
        }
        if available > expected {
            let extra = compressed ? "at least 1" : String(available - expected)
            throw .invalidContents(path: path, reason: "\(extra) unexpected bytes after the data "
                + "(header announces shape \(dims) of \(type), \(headerSize + expected) bytes in all)")
        }
        elementType = type
        shape = dims
        payload = Array(bytes[headerSize...])
    }

    /// The payload size in bytes announced by the header, or an error when the dimensions
    /// cannot describe a real file (a dimension negative as int32, or a product that overflows).
    private static func payloadSize(_ dims: [Int], _ type: IDXElementType, path: String) throws(DataError) -> Int {
        if let d = dims.firstIndex(where: { $0 > Int(Int32.max) }) {
            throw .absurdDimensions(path: path, shape: dims,
                                    reason: "dimension \(d) is negative as a signed 32-bit integer")
        }
        var product = type.byteWidth
        for size in dims {
            let (next, overflow) = product.multipliedReportingOverflow(by: size)
            // Stay far below Int.max so that adding the header size cannot overflow either.
            if overflow || next > Int.max / 4 {
                throw .absurdDimensions(path: path, shape: dims, reason: "their product overflows")
            }
            product = next
        }
        return product
    }

    /// An IDX array of `elementType` with raw big-endian `payload`.
    /// - Precondition: `payload` holds exactly `shape`'s element count times the type's width.
    public init(shape: [Int], elementType: IDXElementType, payload: [UInt8]) {
        require(shape.count <= 255, "IDXFile: at most 255 dimensions, got \(shape.count)")
        require(shape.allSatisfy { $0 >= 0 && $0 <= Int(Int32.max) }, "IDXFile: invalid shape \(shape)")
        require(payload.count == shape.reduce(1, *) * elementType.byteWidth,
                     "IDXFile: \(payload.count) payload bytes do not match shape \(shape) of \(elementType)")
        self.elementType = elementType
        self.shape = shape
        self.payload = payload
    }

    /// The elements as unsigned bytes, or nil unless the element type is `.uint8`.
    public var uint8Values: [UInt8]? { elementType == .uint8 ? payload : nil }

    /// The elements converted to `Float` (exact for every type except large 32-bit integers and
    /// doubles, which are rounded).
    public func floatValues() -> [Float] {
        payload.withUnsafeBufferPointer { raw in
            let n = count
            switch elementType {
            case .uint8: return raw.map { Float($0) }
            case .int8: return raw.map { Float(Int8(bitPattern: $0)) }
            case .int16: return (0..<n).map { Float(Int16(bitPattern: UInt16(Self.bigEndian(raw, $0, 2)))) }
            case .int32: return (0..<n).map { Float(Int32(bitPattern: UInt32(Self.bigEndian(raw, $0, 4)))) }
            case .float32: return (0..<n).map { Float(bitPattern: UInt32(Self.bigEndian(raw, $0, 4))) }
            case .float64: return (0..<n).map { Float(Double(bitPattern: Self.bigEndian(raw, $0, 8))) }
            }
        }
    }

    /// The elements converted to `Double` (exact for every type).
    public func doubleValues() -> [Double] {
        payload.withUnsafeBufferPointer { raw in
            let n = count
            switch elementType {
            case .uint8: return raw.map { Double($0) }
            case .int8: return raw.map { Double(Int8(bitPattern: $0)) }
            case .int16: return (0..<n).map { Double(Int16(bitPattern: UInt16(Self.bigEndian(raw, $0, 2)))) }
            case .int32: return (0..<n).map { Double(Int32(bitPattern: UInt32(Self.bigEndian(raw, $0, 4)))) }
            case .float32: return (0..<n).map { Double(Float(bitPattern: UInt32(Self.bigEndian(raw, $0, 4)))) }
            case .float64: return (0..<n).map { Double(bitPattern: Self.bigEndian(raw, $0, 8)) }
            }
        }
    }

    /// The elements as integers, or nil when the element type is floating point.
    public func intValues() -> [Int]? {
        guard !elementType.isFloatingPoint else { return nil }
        return payload.withUnsafeBufferPointer { raw in
            let n = count
            switch elementType {
            case .uint8: return raw.map { Int($0) }
            case .int8: return raw.map { Int(Int8(bitPattern: $0)) }
            case .int16: return (0..<n).map { Int(Int16(bitPattern: UInt16(Self.bigEndian(raw, $0, 2)))) }
            default: return (0..<n).map { Int(Int32(bitPattern: UInt32(Self.bigEndian(raw, $0, 4)))) }
            }
        }
    }

    /// The `index`-th big-endian element of `width` bytes as raw bits.
    @inline(__always)
    private static func bigEndian(_ raw: UnsafeBufferPointer<UInt8>, _ index: Int, _ width: Int) -> UInt64 {
        var bits: UInt64 = 0
        for k in 0..<width { bits = bits << 8 | UInt64(raw[index * width + k]) }
        return bits
    }
}
