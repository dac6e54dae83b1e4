import Foundation
import Testing
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseONNX

/// The exact integer paths of the operators (shape arithmetic), checked against values worked out by
/// hand from the ONNX specification.
@Suite struct ONNXIntegerOperatorTests {
    /// Evaluates `op` on integer inputs with `attributes`, returning its first output.
    private func run(_ op: String, _ inputs: [ONNXIntegers], _ attributes: [String: Int64] = [:], opset: Int64 = 17) throws -> ONNXImportValue {
        var proto = Onnx_NodeProto()
        proto.opType = op
        proto.input = inputs.indices.map { "i\($0)" }
        proto.output = ["y"]
        proto.attribute = attributes.map { name, value in
            var a = Onnx_AttributeProto()
            a.name = name
            a.type = .int
            a.i = value
            return a
        }
        let node = ONNXNode(proto, index: 0)
        return try #require(try ONNXOperators.evaluate(node, ONNXOperands(node: node, values: inputs.map { .integer($0) }), opset: opset).first ?? nil)
    }

    private func ints(_ value: ONNXImportValue) -> ONNXIntegers? {
        if case .integer(let i) = value { i } else { nil }
    }

    private let matrix = ONNXIntegers(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])

    @Test func gatherTransposeConcatSlice() throws {
        // Gather axis 1 with 2-D indices: out[i, j, k] = m[i, idx[j, k]].
        let gathered = try run("Gather", [matrix, ONNXIntegers(shape: [2, 1], values: [2, -3])], ["axis": 1])
        #expect(ints(gathered) == ONNXIntegers(shape: [2, 2, 1], values: [3, 1, 6, 4]))
        #expect(ints(try run("Transpose", [matrix])) == ONNXIntegers(shape: [3, 2], values: [1, 4, 2, 5, 3, 6]))
        #expect(ints(try run("Concat", [matrix, ONNXIntegers(shape: [2, 1], values: [7, 8])], ["axis": 1]))
                == ONNXIntegers(shape: [2, 4], values: [1, 2, 3, 7, 4, 5, 6, 8]))
        // Slice axis 1 from the end backwards: starts -1, ends -4 (before the start), step -2.
        let reversed = try run("Slice", [matrix, .vector([-1]), .vector([-4]), .vector([1]), .vector([-2])])
        #expect(ints(reversed) == ONNXIntegers(shape: [2, 2], values: [3, 1, 6, 4]))
        // INT64_MAX as an end means "to the end".
        let tail = try run("Slice", [matrix, .vector([1]), .vector([Int64.max]), .vector([1])])
        #expect(ints(tail) == ONNXIntegers(shape: [2, 2], values: [2, 3, 5, 6]))
    }

    @Test func arithmeticFollowsONNX() throws {
        // Mod with fmod = 0 takes the divisor's sign; Div truncates.
        #expect(ints(try run("Mod", [.vector([7, -7, 7, -7]), .vector([3, 3, -3, -3])]))?.values == [1, 2, -2, -1])
        #expect(ints(try run("Div", [.vector([7, -7]), .scalar(2)]))?.values == [3, -3])
        #expect(throws: ONNXError.self) { try run("Div", [.vector([1]), .scalar(0)]) }
        #expect(ints(try run("Mul", [.vector([2, 3]), ONNXIntegers(shape: [2, 1], values: [10, 100])]))
                == ONNXIntegers(shape: [2, 2], values: [20, 30, 200, 300]))
        #expect(ints(try run("Equal", [.vector([1, 2, 3]), .scalar(2)]))?.values == [0, 1, 0])
        #expect(ints(try run("Range", [.scalar(1), .scalar(8), .scalar(3)]))?.values == [1, 4, 7])
        #expect(ints(try run("Expand", [.vector([5, 6]), .vector([3, 1])])) == ONNXIntegers(shape: [3, 2], values: [5, 6, 5, 6, 5, 6]))
    }

    @Test func badOperandsThrow() throws {
        #expect(throws: ONNXError.self) { try run("Gather", [matrix, .vector([3])], ["axis": 1]) }
        #expect(throws: ONNXError.self) { try run("Concat", [matrix, .vector([1])], ["axis": 0]) }
        #expect(throws: ONNXError.self) { try run("Slice", [matrix, .vector([0]), .vector([1]), .vector([2])]) }
        #expect(throws: ONNXError.self) { try run("Squeeze", [matrix, .vector([0])]) }
        #expect(throws: ONNXError.self) { try run("Unsqueeze", [matrix, .vector([0, 0])]) }
        #expect(throws: ONNXError.self) { try run("Reshape", [matrix, .vector([-1, -1])]) }
        #expect(throws: ONNXError.self) { try run("Range", [.scalar(0), .scalar(1 << 40), .scalar(1)]) }
        #expect(throws: ONNXError.self) { try run("Range", [.scalar(.min), .scalar(.max), .scalar(1)]) }
        // An empty value with a huge dimension is refused before anything iterates over that axis.
        #expect(throws: ONNXError.self) { try run("ConstantOfShape", [.vector([0, 1 << 40])]) }
        let hollow = ONNXIntegers(shape: [0, 1 << 40], values: [])
        #expect(throws: ONNXError.self) { try run("Slice", [hollow, .vector([0]), .vector([Int64.max]), .vector([1])]) }
        #expect(throws: ONNXError.self) { try run("Trilu", [hollow]) }
    }
}
