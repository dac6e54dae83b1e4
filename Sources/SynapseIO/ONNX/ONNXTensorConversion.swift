import Foundation
import SynapseCore

/// The values of an ONNX tensor after decoding: floating types become `Float` (Synapse's element
/// type), integer and boolean types stay exact as `Int64` (shapes, indices and axes need them exact).
package struct ONNXTensorValues: Sendable, Equatable {
    /// The tensor's name in the graph.
    package var name: String
    /// Its dimensions (empty for a scalar).
    package var shape: [Int]
    /// The ONNX element type it was stored as.
    package var elementType: Onnx_TensorProto.DataType
    /// The values of a floating tensor (float, double, float16, bfloat16), row-major; nil otherwise.
    package var floats: [Float]?
    /// The values of an integer or boolean tensor, row-major; nil for floating tensors.
    package var integers: [Int64]?

    /// The element count, the product of `shape`.
    package var count: Int { shape.reduce(1, *) }

    /// The values as a float `Tensor` (integers converted), for weights and constant operands.
    package var tensor: Tensor {
        Tensor(shape: shape, scalars: floats ?? integers!.map { Float($0) })
    }

    /// The values as integers (floats truncated toward zero), for shapes, axes and indices.
    package var integerValues: [Int64] {
        integers ?? floats!.map { $0.isFinite ? Int64(exactly: $0.rounded(.towardZero)) ?? 0 : 0 }
    }
}

extension Onnx_TensorProto {
    /// Elements a single tensor may hold: larger declared shapes are refused before allocating.
    package static let maximumElementCount = 1 << 31

    /// A float32 tensor named `name` holding `tensor`'s values as little-endian raw data (the layout
    /// ONNX Runtime and PyTorch's exporter write for initializers).
    package init(name: String, tensor: Tensor) {
        self.init()
        self.name = name
        dims = tensor.shape.map { Int64($0) }
        dataType = Int32(DataType.float.rawValue)
        var bytes = Data(count: tensor.count * 4)
        let values = tensor.scalars
        bytes.withUnsafeMutableBytes { out in
            for (i, v) in values.enumerated() { out.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self) }
        }
        rawData = bytes
    }

    /// An int64 tensor named `name` of `shape` holding `values` (shapes, axes, indices).
    package init(name: String, int64s values: [Int64], shape: [Int]) {
        self.init()
        self.name = name
        dims = shape.map { Int64($0) }
        dataType = Int32(DataType.int64.rawValue)
        int64Data = values
    }

    /// Decodes the values, checking the element type, the shape and that the stored data has exactly
    /// as many elements as the shape says.
    package func decodedValues() throws(ONNXError) -> ONNXTensorValues {
        let label = name.isEmpty ? "(unnamed)" : name
        func bad(_ reason: String) -> ONNXError { .badTensor(name: label, reason: reason) }
        if dataLocation == .external || !externalData.isEmpty {
            throw bad("its data is stored outside the model file (external data is not supported; save the model as one file)")
        }
        if hasSegment { throw bad("segmented tensors are not supported") }
        var count = 1
        for d in dims {
            guard d >= 0, d <= Int64(Self.maximumElementCount) else { throw bad("dimension \(d) in shape \(dims) is out of range") }
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(d))
            guard !overflow, product <= Self.maximumElementCount else {
                throw bad("shape \(dims) holds more than \(Self.maximumElementCount) elements")
            }
            count = product
        }
        let shape = dims.map { Int($0) }
        guard let type = DataType(rawValue: Int(dataType)) else { throw bad("unknown element type \(dataType)") }
        var result = ONNXTensorValues(name: name, shape: shape, elementType: type, floats: nil, integers: nil)
        // Bytes per element in raw_data, and where typed fields keep the values otherwise.
        let width: Int
        switch type {
        case .float, .int32: width = 4
        case .double, .int64: width = 8
        case .float16, .bfloat16, .int16, .uint16: width = 2
        case .int8, .uint8, .bool: width = 1
        default: throw bad("element type \(type) is not supported (float, double, float16, bfloat16, int64/32/16/8, uint16/8 and bool are)")
        }
        func checkCount(_ n: Int, _ field: String) throws(ONNXError) {
            guard n == count else { throw bad("\(field) holds \(n) elements but the shape \(shape) needs \(count)") }
        }
        if hasRawData {
            try checkCount(rawData.count % width == 0 ? rawData.count / width : -1, "raw_data of \(rawData.count) bytes")
            rawData.withUnsafeBytes { (p: UnsafeRawBufferPointer) in
                func u16(_ i: Int) -> UInt16 { UInt16(littleEndian: p.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)) }
                switch type {
                case .float:
                    result.floats = (0..<count).map { Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
                case .double:
                    result.floats = (0..<count).map { Float(Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)))) }
                case .float16: result.floats = (0..<count).map { Float(halfBits: u16($0)) }
                case .bfloat16: result.floats = (0..<count).map { Float(bitPattern: UInt32(u16($0)) << 16) }
                case .int64: result.integers = (0..<count).map { Int64(littleEndian: p.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
                case .int32: result.integers = (0..<count).map { Int64(Int32(littleEndian: p.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))) }
                case .int16: result.integers = (0..<count).map { Int64(Int16(bitPattern: u16($0))) }
                case .uint16: result.integers = (0..<count).map { Int64(u16($0)) }
                case .int8: result.integers = (0..<count).map { Int64(p.load(fromByteOffset: $0, as: Int8.self)) }
                case .bool: result.integers = (0..<count).map { p.load(fromByteOffset: $0, as: UInt8.self) == 0 ? 0 : 1 }
                default: result.integers = (0..<count).map { Int64(p.load(fromByteOffset: $0, as: UInt8.self)) }
                }
            }
            return result
        }
        switch type {
        case .float:
            try checkCount(floatData.count, "float_data")
            result.floats = floatData
        case .double:
            try checkCount(doubleData.count, "double_data")
            result.floats = doubleData.map { Float($0) }
        case .int64:
            try checkCount(int64Data.count, "int64_data")
            result.integers = int64Data
        case .float16, .bfloat16:
            try checkCount(int32Data.count, "int32_data")
            result.floats = int32Data.map { bits in
                let h = UInt16(truncatingIfNeeded: bits)
                return type == .float16 ? Float(halfBits: h) : Float(bitPattern: UInt32(h) << 16)
            }
        default:
            try checkCount(int32Data.count, "int32_data")
            result.integers = int32Data.map { Int64($0) }
        }
        return result
    }
}
