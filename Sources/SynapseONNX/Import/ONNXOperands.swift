import SynapseCore
import SynapseIO

/// The input values of one node as an operator reads them: required or optional, as floats or as
/// exact integers, with errors that name the node.
struct ONNXOperands {
    /// The node being evaluated.
    let node: ONNXNode
    /// Its inputs in order; nil where the input name is empty (an omitted optional input).
    let values: [ONNXImportValue?]

    /// Whether input `i` is given.
    func has(_ i: Int) -> Bool { i < values.count && values[i] != nil }

    /// Input `i`, which must be given.
    func value(_ i: Int) throws(ONNXError) -> ONNXImportValue {
        guard i < values.count, let v = values[i] else { throw node.error("input \(i) is missing") }
        return v
    }

    /// Input `i` as a float tensor (integers converted; they carry no gradient).
    func float(_ i: Int) throws(ONNXError) -> Tensor {
        switch try value(i) {
        case .float(let t): t
        case .integer(let ints): ints.floatTensor
        }
    }

    /// Input `i` as a float tensor when given.
    func optionalFloat(_ i: Int) throws(ONNXError) -> Tensor? { has(i) ? try float(i) : nil }

    /// Input `i` as exact integers (float values are truncated toward zero).
    func integers(_ i: Int) throws(ONNXError) -> ONNXIntegers {
        switch try value(i) {
        case .integer(let ints): return ints
        case .float(let t):
            return ONNXIntegers(shape: t.shape, values: t.scalars.map { $0.isFinite ? Int64(exactly: $0.rounded(.towardZero)) ?? 0 : 0 })
        }
    }

    /// Input `i` as a list of `Int` (shapes, axes, pads), any rank ≤ 1.
    func intList(_ i: Int) throws(ONNXError) -> [Int] {
        let ints = try integers(i)
        guard ints.shape.count <= 1 else { throw node.error("input \(i) must be a scalar or 1-D, got shape \(ints.shape)") }
        return ints.values.map { Int($0) }
    }

    /// The number of inputs the node lists (given or omitted).
    var count: Int { values.count }
}
