import Foundation
import SynapseIO

/// The element types of the values Synapse's exported graphs carry.
public enum ONNXElementType: Sendable, Equatable {
    /// 32-bit float (activations, weights).
    case float
    /// 64-bit signed integer (token ids, shapes, indices).
    case int64
    /// Boolean (comparison results).
    case bool

    /// The `TensorProto.DataType` number.
    var dataType: Int32 {
        switch self {
        case .float: Int32(Onnx_TensorProto.DataType.float.rawValue)
        case .int64: Int32(Onnx_TensorProto.DataType.int64.rawValue)
        case .bool: Int32(Onnx_TensorProto.DataType.bool.rawValue)
        }
    }
}

/// A value in an ONNX graph under construction: a graph input, an initializer or a node output.
///
/// `shape` is what the exporter knows statically: a number per fixed dimension and `nil` for the
/// dynamic batch dimension (`dim_param "batch"` on the graph's inputs and outputs).
public struct ONNXValue: Sendable, Equatable {
    /// The unique name of the value in the graph.
    public let name: String
    /// The dimensions, `nil` where dynamic.
    public let shape: [Int?]
    /// The element type.
    public let elementType: ONNXElementType

    /// Creates a value description (values are normally created by `ONNXGraphBuilder`).
    public init(name: String, shape: [Int?], elementType: ONNXElementType = .float) {
        self.name = name
        self.shape = shape
        self.elementType = elementType
    }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// `axis` made non-negative (`-1` is the last dimension).
    public func normalizedAxis(_ axis: Int) -> Int { axis < 0 ? axis + rank : axis }
}

/// An attribute of an ONNX node.
public enum ONNXAttribute: Sendable, Equatable {
    /// An integer (`INT`).
    case int(Int)
    /// A list of integers (`INTS`).
    case ints([Int])
    /// A float (`FLOAT`).
    case float(Float)
    /// A list of floats (`FLOATS`).
    case floats([Float])
    /// A string (`STRING`).
    case string(String)
    /// A list of strings (`STRINGS`).
    case strings([String])

    /// The protobuf form named `name`.
    func proto(named name: String) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        switch self {
        case .int(let v): a.type = .int; a.i = Int64(v)
        case .ints(let v): a.type = .ints; a.ints = v.map { Int64($0) }
        case .float(let v): a.type = .float; a.f = v
        case .floats(let v): a.type = .floats; a.floats = v
        case .string(let v): a.type = .string; a.s = Data(v.utf8)
        case .strings(let v): a.type = .strings; a.strings = v.map { Data($0.utf8) }
        }
        return a
    }
}
