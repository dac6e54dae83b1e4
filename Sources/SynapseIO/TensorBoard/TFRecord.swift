import SynapseCore

/// TFRecord framing, the container of TensorBoard event files: each record is
/// `uint64 length`, `uint32 masked CRC-32C of the length bytes`, the data, and
/// `uint32 masked CRC-32C of the data`, all little-endian.
public enum TFRecord {
    /// The framed bytes of one record holding `data`.
    public static func frame(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 16)
        let length = littleEndianBytes(UInt64(data.count))
        out += length
        out += littleEndianBytes(CRC32C.maskedChecksum(length))
        out += data
        out += littleEndianBytes(CRC32C.maskedChecksum(data))
        return out
    }

    private static func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<(T.bitWidth / 8)).map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }
}
