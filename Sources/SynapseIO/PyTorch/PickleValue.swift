import SynapseCore

/// A value read from a PyTorch file: the plain Python values a weights-only load allows, and tensors.
public indirect enum PickleValue: Sendable {
    /// `None`.
    case none
    /// `True` / `False`.
    case bool(Bool)
    /// An integer that fits 64 bits.
    case int(Int64)
    /// A Python float.
    case float(Double)
    /// A `str`.
    case string(String)
    /// `bytes`.
    case bytes([UInt8])
    /// A `list`.
    case list([PickleValue])
    /// A `tuple`.
    case tuple([PickleValue])
    /// A `dict` or `OrderedDict`, in insertion order.
    case dict([PickleDictEntry])
    /// A tensor or `nn.Parameter`.
    case tensor(TorchTensor)
    /// A whitelisted global used as a value, e.g. a dtype (`torch.float32`), as `module.name`.
    case global(String)

    /// The value at `key` of a dict whose keys are strings, or nil.
    public subscript(key: String) -> PickleValue? {
        guard case .dict(let entries) = self else { return nil }
        return entries.first { if case .string(key) = $0.key { return true } else { return false } }?.value
    }

    /// A short name of the value's kind, for messages.
    public var kind: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dict: return "dict"
        case .tensor: return "tensor"
        case .global(let name): return name
        }
    }
}

/// One key-value pair of a pickled dict.
public struct PickleDictEntry: Sendable {
    /// The key (usually a string; optimizer state uses integers).
    public let key: PickleValue
    /// The value.
    public let value: PickleValue
}

/// A storage element type of PyTorch, as named by its storage class (`torch.FloatStorage`).
public enum TorchDType: String, Sendable, CaseIterable {
    case float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8, bool

    /// The storage class name that stands for this dtype in a pickle.
    var storageClass: String {
        switch self {
        case .float32: return "FloatStorage"
        case .float64: return "DoubleStorage"
        case .float16: return "HalfStorage"
        case .bfloat16: return "BFloat16Storage"
        case .int64: return "LongStorage"
        case .int32: return "IntStorage"
        case .int16: return "ShortStorage"
        case .int8: return "CharStorage"
        case .uint8: return "ByteStorage"
        case .bool: return "BoolStorage"
        }
    }

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }

    /// The dtype of a storage class name, or nil.
    static func ofStorageClass(_ name: String) -> TorchDType? { allCases.first { $0.storageClass == name } }
}

/// A tensor read from a PyTorch file: its original dtype and its values converted to Float32.
public struct TorchTensor: Sendable {
    /// The dtype it was saved with.
    public let dtype: TorchDType
    /// The values as Float32 (row-major, contiguous), shaped as saved.
    public let value: Tensor
    /// The exact values of an integer or bool tensor (row-major), nil for floating-point dtypes.
    public let integers: [Int64]?
    /// Whether converting to Float32 changed at least one value (float64 rounding, integers beyond 2^24).
    public let lostPrecision: Bool
}
