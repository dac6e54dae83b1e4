import SynapseCore
import SynapseIO

/// A value flowing along an edge of an imported graph: a float tensor (differentiable, what weights
/// and activations are) or an exact integer tensor (shapes, indices, axes, masks), so that chains
/// like Shape → Gather → Unsqueeze → Concat → Reshape compute exactly as ONNX defines them.
package enum ONNXImportValue {
    /// Floating values (float, double, float16 and bfloat16 all become `Float`).
    case float(Tensor)
    /// Integer or boolean values, kept exact.
    case integer(ONNXIntegers)

    /// The dimensions of the value.
    package var shape: [Int] {
        switch self {
        case .float(let t): t.shape
        case .integer(let i): i.shape
        }
    }

    /// The value from decoded tensor data: integers stay exact, floats become a tensor.
    package init(_ values: ONNXTensorValues) {
        if let ints = values.integers {
            self = .integer(ONNXIntegers(shape: values.shape, values: ints))
        } else {
            self = .float(values.tensor)
        }
    }
}

/// An exact integer tensor: row-major `Int64` values and their shape.
package struct ONNXIntegers: Sendable, Equatable {
    /// The dimensions (empty for a scalar).
    package var shape: [Int]
    /// The values, row-major; `values.count` is the product of `shape`.
    package var values: [Int64]

    /// A tensor of `shape` holding `values`.
    package init(shape: [Int], values: [Int64]) {
        self.shape = shape
        self.values = values
    }

    /// A rank-0 tensor.
    package static func scalar(_ v: Int64) -> ONNXIntegers { ONNXIntegers(shape: [], values: [v]) }

    /// A 1-D tensor.
    package static func vector(_ v: [Int64]) -> ONNXIntegers { ONNXIntegers(shape: [v.count], values: v) }

    /// The values as a float tensor (a constant: no gradient flows into integers).
    package var floatTensor: Tensor { Tensor(shape: shape, scalars: values.map { Float($0) }) }
}

/// Row-major strides of `shape`.
func rowMajorStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var s = 1
    for d in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[d] = s
        s *= shape[d]
    }
    return strides
}

/// Calls `body` with every multi-index of `shape` in row-major order.
func forEachIndex(of shape: [Int], _ body: ([Int]) -> Void) {
    let count = shape.reduce(1, *)
    guard count > 0 else { return }
    var index = [Int](repeating: 0, count: shape.count)
    for _ in 0..<count {
        body(index)
        var d = shape.count - 1
        while d >= 0 {
            index[d] += 1
            if index[d] < shape[d] { break }
            index[d] = 0
            d -= 1
        }
    }
}

extension ONNXIntegers {
    /// The values read at every index of `shape` through `offset`, which maps an output index to a
    /// position in `values` (gathers, slices, transposes and broadcasts are all such maps).
    func remapped(to shape: [Int], _ offset: ([Int]) -> Int) -> ONNXIntegers {
        var out: [Int64] = []
        out.reserveCapacity(shape.reduce(1, *))
        forEachIndex(of: shape) { out.append(values[offset($0)]) }
        return ONNXIntegers(shape: shape, values: out)
    }

    /// The values broadcast to `target` (NumPy rules; `target` must be a valid broadcast of `shape`).
    func broadcast(to target: [Int]) -> ONNXIntegers {
        if shape == target { return self }
        let strides = rowMajorStrides(shape)
        let lead = target.count - shape.count
        return remapped(to: target) { index in
            var o = 0
            for d in 0..<shape.count where shape[d] != 1 { o += index[d + lead] * strides[d] }
            return o
        }
    }
}
