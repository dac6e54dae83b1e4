import Foundation
import SynapseCore
import SynapseIO

extension ONNXOperators {
    /// Two-operand element-wise operators with NumPy broadcasting: exact on two integer operands,
    /// differentiable Synapse ops otherwise. Comparisons return integers (booleans).
    static func binary(_ node: ONNXNode, _ operands: ONNXOperands) throws(ONNXError) -> ONNXImportValue {
        let a = try operands.value(0), b = try operands.value(1)
        let shape = try ONNXShapeChecks.broadcast(a.shape, b.shape, node)
        if case .integer(let x) = a, case .integer(let y) = b, node.op != "Pow" {
            let xs = x.broadcast(to: shape).values, ys = y.broadcast(to: shape).values
            var out = [Int64](repeating: 0, count: xs.count)
            for i in out.indices {
                let p = xs[i], q = ys[i]
                switch node.op {
                case "Add": out[i] = p &+ q
                case "Sub": out[i] = p &- q
                case "Mul": out[i] = p &* q
                case "Div", "Mod":
                    guard q != 0 else { throw node.error("integer division by zero") }
                    guard !(p == .min && q == -1) else { throw node.error("integer division overflows") }
                    if node.op == "Div" { out[i] = p / q } else {
                        // ONNX Mod with fmod=0: the result takes the divisor's sign (Python's %).
                        let r = p % q
                        out[i] = (r != 0 && (r < 0) != (q < 0)) ? r + q : r
                    }
                case "Max": out[i] = max(p, q)
                case "Min": out[i] = min(p, q)
                case "Equal": out[i] = p == q ? 1 : 0
                case "Less": out[i] = p < q ? 1 : 0
                default: out[i] = p > q ? 1 : 0   // Greater
                }
            }
            return .integer(ONNXIntegers(shape: shape, values: out))
        }
        let x = try operands.float(0), y = try operands.float(1)
        switch node.op {
        case "Add": return .float(x + y)
        case "Sub": return .float(x - y)
        case "Mul": return .float(x * y)
        case "Div": return .float(x / y)
        case "Max": return .float(Tensor.maximum(x, y))
        case "Min": return .float(Tensor.minimum(x, y))
        case "Equal", "Less", "Greater":
            let r = node.op == "Equal" ? x.eq(y) : node.op == "Less" ? x.lt(y) : x.gt(y)
            return .integer(ONNXIntegers(shape: r.shape, values: r.scalars.map { $0 != 0 ? 1 : 0 }))
        case "Pow":
            // A constant exponent (what exporters emit for x², x^0.5, ...) keeps negative bases valid.
            if y.count == 1 && !y.requiresGrad {
                let p = y.scalars[0]
                let r = pow(x, p)
                return .float(r.shape == shape ? r : r.expanded(to: shape))
            }
            return .float(pow(x, y))
        default:
            throw node.error("floating-point Mod is not supported (only integer Mod)")
        }
    }

    /// One-operand element-wise operators and activations.
    static func unary(_ node: ONNXNode, _ operands: ONNXOperands) throws(ONNXError) -> ONNXImportValue {
        if node.op == "Not" {
            let x = try operands.integers(0)
            return .integer(ONNXIntegers(shape: x.shape, values: x.values.map { $0 == 0 ? 1 : 0 }))
        }
        if node.op == "Neg" || node.op == "Abs", case .integer(let x) = try operands.value(0) {
            return .integer(ONNXIntegers(shape: x.shape, values: x.values.map { node.op == "Neg" ? 0 &- $0 : ($0 < 0 ? 0 &- $0 : $0) }))
        }
        let x = try operands.float(0)
        switch node.op {
        case "Sqrt": return .float(sqrt(x))
        case "Neg": return .float(-x)
        case "Exp": return .float(exp(x))
        case "Log": return .float(log(x))
        case "Abs": return .float(abs(x))
        case "Reciprocal": return .float(1 / x)
        case "Erf": return .float(erf(x))
        case "Relu": return .float(relu(x))
        case "LeakyRelu": return .float(leakyRelu(x, negativeSlope: try node.float("alpha", 0.01)))
        case "Sigmoid": return .float(sigmoid(x))
        case "Tanh": return .float(tanh(x))
        default:   // Gelu (opset 20)
            switch try node.string("approximate", "none") {
            case "none": return .float(gelu(x))
            case "tanh": return .float(gelu(x, approximate: .tanh))
            case let other: throw node.error("unknown approximate '\(other)'")
            }
        }
    }

    /// The error function as differentiable Synapse ops: Abramowitz & Stegun 7.1.26, absolute error
    /// below 1.5e-7 (what Float keeps near 1 anyway), odd by construction. PyTorch's classic exporter
    /// writes exact GELU as `x·0.5·(1 + Erf(x/√2))`, so this is on the path of every GELU model.
    static func erf(_ x: Tensor) -> Tensor {
        // erf(x) = s·m(s·x) with s = ±1 the sign (a constant); s = +1 at 0 keeps the slope 2/√π there,
        // where abs(x) would give 0, and m(0) differs from 0 by 1e-9.
        let sign = Tensor(shape: x.shape, scalars: x.scalars.map { $0 < 0 ? -1 : 1 })
        let a = x * sign
        let t = 1 / (1 + 0.3275911 * a)
        let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
        return (1 - poly * exp(-(a * a))) * sign
    }

    /// Softmax and LogSoftmax over one axis (opset 13 semantics).
    static func softmax(_ node: ONNXNode, _ operands: ONNXOperands) throws(ONNXError) -> ONNXImportValue {
        let x = try operands.float(0)
        try ONNXShapeChecks.nonEmpty(x, node)
        let axis = try node.axis(try node.int("axis", -1), rank: x.rank)
        return .float(node.op == "Softmax" ? SynapseCore.softmax(x, dim: axis) : logSoftmax(x, dim: axis))
    }

    /// `Where(condition, x, y)`: exact on integer branches, differentiable on float branches.
    static func whereOp(_ node: ONNXNode, _ operands: ONNXOperands) throws(ONNXError) -> ONNXImportValue {
        let c = try operands.integers(0), a = try operands.value(1), b = try operands.value(2)
        let shape = try ONNXShapeChecks.broadcast(try ONNXShapeChecks.broadcast(c.shape, a.shape, node), b.shape, node)
        if case .integer(let x) = a, case .integer(let y) = b {
            let cs = c.broadcast(to: shape).values, xs = x.broadcast(to: shape).values, ys = y.broadcast(to: shape).values
            return .integer(ONNXIntegers(shape: shape, values: cs.indices.map { cs[$0] != 0 ? xs[$0] : ys[$0] }))
        }
        return .float(Tensor.where(c.floatTensor, try operands.float(1), try operands.float(2)))
    }

    /// `Cast` to a floating type (a float value) or to an integer or boolean type (exact integers).
    static func cast(_ node: ONNXNode, _ operands: ONNXOperands) throws(ONNXError) -> ONNXImportValue {
        let to = try node.int("to", 1)
        guard let type = Onnx_TensorProto.DataType(rawValue: to) else { throw node.error("unknown target type \(to)") }
        switch type {
        case .float, .double, .float16, .bfloat16: return .float(try operands.float(0))
        case .bool:
            let x = try operands.integers(0)
            if case .float(let t) = try operands.value(0) {
                return .integer(ONNXIntegers(shape: t.shape, values: t.scalars.map { $0 != 0 ? 1 : 0 }))
            }
            return .integer(ONNXIntegers(shape: x.shape, values: x.values.map { $0 != 0 ? 1 : 0 }))
        case .int64, .int32, .int16, .int8, .uint8, .uint16, .uint32: return .integer(try operands.integers(0))
        default: throw node.error("casting to \(type) is not supported")
        }
    }
}
