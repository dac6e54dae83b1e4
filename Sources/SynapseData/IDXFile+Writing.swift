import Foundation
import SynapseCore

extension IDXFile {
    /// An unsigned-byte (`0x08`) IDX array.
    public init(shape: [Int], uint8 values: [UInt8]) {
        self.init(shape: shape, elementType: .uint8, payload: values)
    }

    /// A signed-byte (`0x09`) IDX array.
    public init(shape: [Int], int8 values: [Int8]) {
        self.init(shape: shape, elementType: .int8, payload: values.map { UInt8(bitPattern: $0) })
    }

    /// A 16-bit integer (`0x0B`) IDX array.
    public init(shape: [Int], int16 values: [Int16]) {
        self.init(shape: shape, elementType: .int16,
                  payload: Self.bigEndianBytes(values.map { UInt64(UInt16(bitPattern: $0)) }, width: 2))
    }

    /// A 32-bit integer (`0x0C`) IDX array.
    public init(shape: [Int], int32 values: [Int32]) {
        self.init(shape: shape, elementType: .int32,
                  payload: Self.bigEndianBytes(values.map { UInt64(UInt32(bitPattern: $0)) }, width: 4))
    }

    /// A 32-bit float (`0x0D`) IDX array.
    public init(shape: [Int], float32 values: [Float]) {
        self.init(shape: shape, elementType: .float32,
                  payload: Self.bigEndianBytes(values.map { UInt64($0.bitPattern) }, width: 4))
    }

    /// A 64-bit float (`0x0E`) IDX array.
    public init(shape: [Int], float64 values: [Double]) {
        self.init(shape: shape, elementType: .float64,
                  payload: Self.bigEndianBytes(values.map { $0.bitPattern }, width: 8))
    }

    /// The file's bytes: header followed by the payload (uncompressed).
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = [0, 0, elementType.rawValue, UInt8(shape.count)]
        bytes.reserveCapacity(4 + 4 * shape.count + payload.count)
        for size in shape {
            bytes += [UInt8(truncatingIfNeeded: size >> 24), UInt8(truncatingIfNeeded: size >> 16),
                      UInt8(truncatingIfNeeded: size >> 8), UInt8(truncatingIfNeeded: size)]
        }
        bytes += payload
        return bytes
    }

    /// Writes the array to `url` atomically, gzip-compressed when `compressed` is true
    /// (by default: when the file name ends in `.gz`).
    public func write(to url: URL, compressed: Bool? = nil) throws(DataError) {
        let gzip = compressed ?? (url.pathExtension == "gz")
        let bytes = encoded()
        try FileBytes.write(gzip ? Gzip.compress(bytes) : bytes, to: url)
    }

    private static func bigEndianBytes(_ bits: [UInt64], width: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: bits.count * width)
        for (i, value) in bits.enumerated() {
            for k in 0..<width { bytes[i * width + k] = UInt8(truncatingIfNeeded: value >> (8 * (width - 1 - k))) }
        }
        return bytes
    }
}
