import SynapseCore

/// The element types of the IDX format (the third byte of the magic number).
public enum IDXElementType: UInt8, Sendable, CaseIterable {
    /// `0x08`: unsigned byte (what MNIST and Fashion-MNIST use).
    case uint8 = 0x08
    /// `0x09`: signed byte.
    case int8 = 0x09
    /// `0x0B`: big-endian 16-bit signed integer.
    case int16 = 0x0B
    /// `0x0C`: big-endian 32-bit signed integer.
    case int32 = 0x0C
    /// `0x0D`: big-endian 32-bit IEEE float.
    case float32 = 0x0D
    /// `0x0E`: big-endian 64-bit IEEE float.
    case float64 = 0x0E

    /// Bytes per element.
    public var byteWidth: Int {
        switch self {
        case .uint8, .int8: return 1
        case .int16: return 2
        case .int32, .float32: return 4
        case .float64: return 8
        }
    }

    /// True for the two floating-point types.
    public var isFloatingPoint: Bool { self == .float32 || self == .float64 }
}
