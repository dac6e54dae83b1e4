import SynapseCore
import SynapseIO

extension ONNXOperators {
    /// `Reshape` with ONNX's 0 (copy the input dimension, unless `allowzero`) and -1 (inferred).
    static func reshape(_ node: ONNXNode, _ operands: ONNXOperands) throws(ONNXError) -> ONNXImportValue {
        let x = try operands.value(0)
        let requested = try operands.intList(1)
        let allowZero = try node.int("allowzero", 0) != 0
        let count = x.shape.reduce(1, *)
        var target: [Int] = [], inferred: Int? = nil
        for (i, s) in requested.enumerated() {
            switch s {
            case 0 where !allowZero:
                guard i < x.shape.count else { throw node.error("0 at position \(i) of shape \(requested) has no input dimension to copy (input \(x.shape))") }
                target.append(x.shape[i])
            case -1:
                guard inferred == nil else { throw node.error("shape \(requested) has more than one -1") }
                inferred = i
                target.append(1)
            default:
                guard s >= 0 else { throw node.error("negative dimension \(s) in shape \(requested)") }
                target.append(s)
            }
        }
        let known = try ONNXShapeChecks.elementCount(target, node)
        if let i = inferred {
            guard known > 0, count % known == 0 else { throw node.error("cannot reshape \(x.shape) into \(requested)") }
            target[i] = count / known
        }
        guard target.reduce(1, *) == count else { throw node.error("cannot reshape \(x.shape) (\(count) elements) into \(requested)") }
        return reshaped(x, target)
    }

    /// `value` with a new shape of the same element count.
    static func reshaped(_ value: ONNXImportValue, _ shape: [Int]) -> ONNXImportValue {
        switch value {
        case .float(let t): .float(t.shape == shape ? t : t.reshaped(shape))
        case .integer(let i): .integer(ONNXIntegers(shape: shape, values: i.values))
        }
    }

    /// `Flatten`: a matrix of the dimensions before `axis` by those from it.
    static func flatten(_ node: ONNXNode, _ operands: ONNXOperands) throws(ONNXError) -> ONNXImportValue {
        let x = try operands.value(0)
        let rank = x.shape.count
        var axis = try node.int("axis", 1)
        if axis < 0 { axis += rank }
        guard axis >= 0, axis <= rank else { throw node.error("axis \(axis) is out of range for rank \(rank)") }
        return reshaped(x, [x.shape[..<axis].reduce(1, *), x.shape[axis...].reduce(1, *)])
    }

    /// `Transpose` by `perm` (reversed dimensions by default).
    static func transpose(_ node: ONNXNode, _ operands: ONNXOperands) throws(ONNXError) -> ONNXImportValue {
        let x = try operands.value(0)
        let rank = x.shape.count
        let perm = try node.ints("perm") ?? Array((0..<rank).reversed())
        guard perm.count == rank, Set(perm) == Set(0..<rank) else { throw node.error("perm \(perm) is not a permutation of \(rank) dimensions") }
        switch x {
        case .float(let t): return .float(rank < 2 ? t : t.permuted(perm))
        case .integer(let i):
            let strides = rowMajorStrides(i.shape)
            return .integer(i.remapped(to: perm.map { i.shape[$0] }) { index in
                var o = 0
                for (d, p) in perm.enumerated() { o += index[d] * strides[p] }
                return o
            })
        }
    }

    /// `Concat` along `axis`: exact when every input is an integer tensor.
    static func concat(_ node: ONNXNode, _ operands: ONNXOperands) throws(ONNXError) -> ONNXImportValue {
        let values = try (0..<operands.count).map { i throws(ONNXError) in try operands.value(i) }
        guard let first = values.first else { throw node.error("needs at least one input") }
        let rank = first.shape.count
        guard rank > 0 else { throw node.error("cannot concatenate scalars") }
        let axis = try node.axis(try node.int("axis", 0), rank: rank)
        var outShape = first.shape
        outShape[axis] = 0
        for v in values {
            guard v.shape.count == rank, zip(v.shape, first.shape).enumerated().allSatisfy({ $0.offset == axis || $0.element.0 == $0.element.1 }) else {
                throw node.error("input shapes \(values.map(\.shape)) differ outside axis \(axis)")
            }
            outShape[axis] += v.shape[axis]
        }
        let total = try ONNXShapeChecks.elementCount(outShape, node)
        let ints = values.compactMap { if case .integer(let i) = $0 { i } else { nil } }
        if ints.count == values.count {
            guard total > 0 else { return .integer(ONNXIntegers(shape: outShape, values: [])) }
            // Row-major: the output is, for each outer index, every input's block in turn.
            let outer = outShape[..<axis].reduce(1, *)
            var out: [Int64] = []
            out.reserveCapacity(outShape.reduce(1, *))
            for o in 0..<outer {
                for i in ints {
                    let block = i.shape[axis...].reduce(1, *)
                    out.append(contentsOf: i.values[(o * block)..<((o + 1) * block)])
                }
            }
            return .integer(ONNXIntegers(shape: outShape, values: out))
        }
        let tensors = try (0..<operands.count).map { i throws(ONNXError) in try operands.float(i) }.filter { $0.shape[axis] > 0 }
        guard !tensors.isEmpty else { return .float(Tensor(shape: outShape, scalars: [])) }
        return .float(tensors.count == 1 ? tensors[0] : Tensor.cat(tensors, dim: axis))
    }

    /// `Gather` along `axis`: embeddings and row picks on floats, exact on integer shape vectors.
    static func gather(_ node: ONNXNode, _ operands: ONNXOperands) throws(ONNXError) -> ONNXImportValue {
        let data = try operands.value(0)
        let indices = try operands.integers(1)
        let rank = data.shape.count
        guard rank > 0 else { throw node.error("cannot gather from a scalar") }
        let axis = try node.axis(try node.int("axis", 0), rank: rank)
        let size = data.shape[axis]
        var picks: [Int] = []
        picks.reserveCapacity(indices.values.count)
        for v in indices.values {
            let i = v < 0 ? v + Int64(size) : v
            guard i >= 0, i < size else { throw node.error("index \(v) is out of range for dimension \(axis) of size \(size) (data \(data.shape))") }
            picks.append(Int(i))
        }
        let outShape = Array(data.shape[..<axis]) + indices.shape + Array(data.shape[(axis + 1)...])
        _ = try ONNXShapeChecks.elementCount(outShape, node)
        switch data {
        case .integer(let d):
            let strides = rowMajorStrides(d.shape), k = indices.shape.count
            let pickStrides = rowMajorStrides(indices.shape)
            return .integer(d.remapped(to: outShape) { index in
                var o = 0
                for j in 0..<axis { o += index[j] * strides[j] }
                var p = 0
                for j in 0..<k { p += index[axis + j] * pickStrides[j] }
                o += picks[p] * strides[axis]
                for j in (axis + 1)..<rank { o += index[j + k - 1] * strides[j] }
                return o
            })
        case .float(let t):
            if indices.shape.isEmpty { return .float(t.select(dim: axis, index: picks[0])) }
            guard !picks.isEmpty else { return .float(Tensor(shape: outShape, scalars: [])) }
            if axis == 0 && rank == 2 {
                return .float(embedding(IntTensor(shape: indices.shape, scalars: picks), weight: t))
            }
            return .float(t.indexSelect(dim: axis, index: IntTensor(picks)).reshaped(outShape))
        }
    }

    /// `Shape`, optionally of the dimensions `start..<end` (opset 15).
    static func shapeOp(_ node: ONNXNode, _ operands: ONNXOperands) throws(ONNXError) -> ONNXImportValue {
        let shape = try operands.value(0).shape
        let rank = shape.count
        func clamp(_ i: Int) -> Int { min(max(i < 0 ? i + rank : i, 0), rank) }
        let start = clamp(try node.int("start", 0)), end = clamp(try node.int("end", rank))
        return .integer(.vector(shape[start..<max(start, end)].map { Int64($0) }))
    }

    /// The axes of Unsqueeze/Squeeze/Reduce*: the second input from `inputOpset` on, an attribute before.
    static func axesOperand(_ node: ONNXNode, _ operands: ONNXOperands, opset: Int64, inputOpset: Int64) throws(ONNXError) -> [Int]? {
        if opset >= inputOpset { return operands.has(1) ? try operands.intList(1) : nil }
        return try node.ints("axes")
    }

    /// `Unsqueeze`: inserts dimensions of size 1 at `axes` (of the output).
    static func unsqueeze(_ node: ONNXNode, _ operands: ONNXOperands, opset: Int64) throws(ONNXError) -> ONNXImportValue {
        let x = try operands.value(0)
        guard let axes = try axesOperand(node, operands, opset: opset, inputOpset: 13) else { throw node.error("axes are missing") }
        let rank = x.shape.count + axes.count
        var normalized = Set<Int>()
        for a in axes { guard normalized.insert(try node.axis(a, rank: rank)).inserted else { throw node.error("axes \(axes) repeat an axis") } }
        var shape: [Int] = [], rest = x.shape.makeIterator()
        for d in 0..<rank { shape.append(normalized.contains(d) ? 1 : rest.next()!) }
        return reshaped(x, shape)
    }

    /// `Squeeze`: removes the dimensions of size 1 at `axes` (all of them when absent).
    static func squeeze(_ node: ONNXNode, _ operands: ONNXOperands, opset: Int64) throws(ONNXError) -> ONNXImportValue {
        let x = try operands.value(0)
        let rank = x.shape.count
        var drop = Set<Int>()
        if let axes = try axesOperand(node, operands, opset: opset, inputOpset: 13) {
            for a in axes {
                let d = try node.axis(a, rank: rank)
                guard x.shape[d] == 1 else { throw node.error("cannot squeeze dimension \(a) of size \(x.shape[d]) (input \(x.shape))") }
                drop.insert(d)
            }
        } else {
            drop = Set(x.shape.indices.filter { x.shape[$0] == 1 })
        }
        return reshaped(x, x.shape.indices.filter { !drop.contains($0) }.map { x.shape[$0] })
    }

    /// `Slice` with starts, ends, axes and steps as inputs (opset 10+), clamped as ONNX defines.
    static func sliceOp(_ node: ONNXNode, _ operands: ONNXOperands) throws(ONNXError) -> ONNXImportValue {
        var x = try operands.value(0)
        let starts = try operands.intList(1), ends = try operands.intList(2)
        let rank = x.shape.count
        let axes = operands.has(3) ? try operands.intList(3) : Array(0..<starts.count)
        let steps = operands.has(4) ? try operands.intList(4) : [Int](repeating: 1, count: starts.count)
        guard ends.count == starts.count, axes.count == starts.count, steps.count == starts.count else {
            throw node.error("starts \(starts), ends \(ends), axes \(axes) and steps \(steps) differ in length")
        }
        var seen = Set<Int>()
        for k in starts.indices {
            let axis = try node.axis(axes[k], rank: rank)
            guard seen.insert(axis).inserted else { throw node.error("axes \(axes) repeat an axis") }
            let step = steps[k], dim = x.shape[axis]
            _ = try ONNXShapeChecks.elementCount([dim], node)
            guard step != 0 else { throw node.error("step 0 on axis \(axis)") }
            guard step != .min else { throw node.error("step \(step) is out of range") }
            var start = starts[k], end = ends[k]
            if start < 0 { start = start &+ dim }
            if end < 0 { end = end &+ dim }
            let picks: [Int]
            if step > 0 {
                start = min(max(start, 0), dim); end = min(max(end, 0), dim)
                picks = start < end ? Array(stride(from: start, to: end, by: step)) : []
            } else {
                start = min(max(start, 0), dim - 1); end = min(max(end, -1), dim - 1)
                picks = start > end ? Array(stride(from: start, to: end, by: step)) : []
            }
            x = try pick(x, axis: axis, picks, contiguousStep: step > 0 ? step : nil, node)
        }
        return x
    }

    /// `x` restricted to positions `picks` along `axis` (a strided view when `contiguousStep` says so).
    static func pick(_ x: ONNXImportValue, axis: Int, _ picks: [Int], contiguousStep: Int?, _ node: ONNXNode) throws(ONNXError) -> ONNXImportValue {
        var shape = x.shape
        if picks.count == shape[axis], contiguousStep == 1 { return x }
        shape[axis] = picks.count
        switch x {
        case .integer(let i):
            let strides = rowMajorStrides(i.shape)
            return .integer(i.remapped(to: shape) { index in
                var o = 0
                for d in 0..<index.count { o += (d == axis ? picks[index[d]] : index[d]) * strides[d] }
                return o
            })
        case .float(let t):
            guard !picks.isEmpty, t.count > 0 else { return .float(Tensor(shape: shape, scalars: [])) }
            if let step = contiguousStep { return .float(t.slice(dim: axis, start: picks[0], end: picks[picks.count - 1] + 1, step: step)) }
            return .float(t.indexSelect(dim: axis, index: IntTensor(picks)))
        }
    }

    /// `Constant`: its `value` tensor or one of the `value_float(s)` / `value_int(s)` forms.
    static func constant(_ node: ONNXNode) throws(ONNXError) -> ONNXImportValue {
        if let t = try node.tensor("value") { return ONNXImportValue(t) }
        if let a = node.attributes["value_float"] { return .float(Tensor(shape: [], scalars: [a.f])) }
        if let a = node.attributes["value_floats"] { return .float(Tensor(a.floats)) }
        if let a = node.attributes["value_int"] { return .integer(.scalar(a.i)) }
        if let a = node.attributes["value_ints"] { return .integer(.vector(a.ints)) }
        throw node.error("no supported value attribute (value, value_float(s), value_int(s))")
    }

    /// `ConstantOfShape`: a tensor of the given shape filled with the one-element `value`.
    static func constantOfShape(_ node: ONNXNode, _ operands: ONNXOperands) throws(ONNXError) -> ONNXImportValue {
        let shape = try operands.intList(0)
        let count = try ONNXShapeChecks.elementCount(shape, node)
        guard let value = try node.tensor("value") else { return .float(Tensor(shape: shape, scalars: [Float](repeating: 0, count: count))) }
        guard value.count == 1 else { throw node.error("value must hold one element, got shape \(value.shape)") }
        if let i = value.integers { return .integer(ONNXIntegers(shape: shape, values: [Int64](repeating: i[0], count: count))) }
        return .float(Tensor(shape: shape, scalars: [Float](repeating: value.floats![0], count: count)))
    }

    /// `Expand`: broadcasts the input to the broadcast of its shape and `shape` (bidirectional).
    static func expand(_ node: ONNXNode, _ operands: ONNXOperands) throws(ONNXError) -> ONNXImportValue {
        let x = try operands.value(0)
        let requested = try operands.intList(1)
        let shape = try ONNXShapeChecks.broadcast(x.shape, requested, node)
        switch x {
        case .integer(let i): return .integer(i.broadcast(to: shape))
        case .float(let t): return .float(t.shape == shape ? t : t.expanded(to: shape))
        }
    }

    /// `Range(start, limit, delta)`: exact on integers.
    static func range(_ node: ONNXNode, _ operands: ONNXOperands) throws(ONNXError) -> ONNXImportValue {
        if case .integer(let s) = try operands.value(0), case .integer(let l) = try operands.value(1), case .integer(let d) = try operands.value(2) {
            guard s.values.count == 1, l.values.count == 1, d.values.count == 1 else { throw node.error("start, limit and delta must be scalars") }
            let start = s.values[0], limit = l.values[0], delta = d.values[0]
            guard delta != 0 else { throw node.error("delta is 0") }
            let span = Double(limit) - Double(start)
            let steps = (span / Double(delta)).rounded(.up)
            guard steps <= Double(ONNXShapeChecks.maximumElementCount) else { throw node.error("range of \(steps) elements is too large") }
            let count = steps > 0 ? Int(steps) : 0
            // Wrapping arithmetic: the Double count may exceed the exact one by rounding near Int64's ends.
            return .integer(.vector((0..<count).map { start &+ Int64($0) &* delta }))
        }
        let s = try operands.float(0), l = try operands.float(1), d = try operands.float(2)
        guard s.count == 1, l.count == 1, d.count == 1 else { throw node.error("start, limit and delta must be scalars") }
        let start = s.scalars[0], delta = d.scalars[0]
        guard delta != 0, delta.isFinite, start.isFinite, l.scalars[0].isFinite else { throw node.error("invalid range \(start), \(l.scalars[0]), \(delta)") }
        let steps = ((l.scalars[0] - start) / delta).rounded(.up)
        guard steps < Float(ONNXShapeChecks.maximumElementCount) else { throw node.error("range of \(steps) elements is too large") }
        let count = steps > 0 ? Int(steps) : 0
        return .float(Tensor((0..<count).map { start + Float($0) * delta }))
    }

    /// `Split` along `axis` into the given sizes, or into equal parts (the last smaller, opset 18).
    static func split(_ node: ONNXNode, _ operands: ONNXOperands, opset: Int64) throws(ONNXError) -> [ONNXImportValue?] {
        let x = try operands.value(0)
        let axis = try node.axis(try node.int("axis", 0), rank: x.shape.count)
        let parts = node.proto.output.count, dim = x.shape[axis]
        guard parts > 0 else { throw node.error("has no outputs") }
        _ = try ONNXShapeChecks.elementCount([dim, parts], node)
        var sizes: [Int]
        if opset >= 13, operands.has(1) { sizes = try operands.intList(1) }
        else if opset < 13, let s = try node.ints("split") { sizes = s }
        else {
            let chunk = (dim + parts - 1) / parts
            sizes = (0..<parts).map { max(0, min(chunk, dim - $0 * chunk)) }
        }
        guard sizes.count == parts, sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == dim else {
            throw node.error("split sizes \(sizes) do not divide dimension \(axis) of \(x.shape) into \(parts) outputs")
        }
        var start = 0
        var outputs: [ONNXImportValue?] = []
        for s in sizes {
            outputs.append(try pick(x, axis: axis, Array(start..<(start + s)), contiguousStep: 1, node))
            start += s
        }
        return outputs
    }

    /// `ReduceMean` / `ReduceSum` over `axes` (all when absent), keeping dimensions by default.
    static func reduce(_ node: ONNXNode, _ operands: ONNXOperands, opset: Int64) throws(ONNXError) -> ONNXImportValue {
        let x = try operands.float(0)
        let inputOpset: Int64 = node.op == "ReduceSum" ? 13 : 18
        let keep = try node.int("keepdims", 1) != 0
        var axes = try axesOperand(node, operands, opset: opset, inputOpset: inputOpset) ?? []
        if axes.isEmpty {
            if try node.int("noop_with_empty_axes", 0) != 0 { return .float(x) }
            axes = Array(0..<x.rank)
        }
        var dims = Set<Int>()
        for a in axes { dims.insert(try node.axis(a, rank: x.rank)) }
        guard !dims.isEmpty else { return .float(x) }
        try ONNXShapeChecks.nonEmpty(x, node)
        let sorted = dims.sorted()
        return .float(node.op == "ReduceSum" ? x.sum(dims: sorted, keepdim: keep) : x.mean(dims: sorted, keepdim: keep))
    }

    /// `Trilu`: keeps the upper (or lower) triangle of the last two dimensions from diagonal `k` and
    /// zeroes the rest (by selection, so a kept −∞ of a causal mask stays −∞).
    static func trilu(_ node: ONNXNode, _ operands: ONNXOperands) throws(ONNXError) -> ONNXImportValue {
        let x = try operands.value(0)
        guard x.shape.count >= 2 else { throw node.error("input must have at least two dimensions, got \(x.shape)") }
        var k = 0
        if operands.has(1) {
            let ks = try operands.intList(1)
            guard ks.count == 1 else { throw node.error("k must be a single value, got \(ks)") }
            k = ks[0]
        }
        let upper = try node.int("upper", 1) != 0
        let rows = x.shape[x.shape.count - 2], cols = x.shape[x.shape.count - 1]
        _ = try ONNXShapeChecks.elementCount([rows, cols], node)
        var keep = [Int64](repeating: 0, count: rows * cols)
        for i in 0..<rows {
            for j in 0..<cols where upper ? j - i >= k : j - i <= k { keep[i * cols + j] = 1 }
        }
        let mask = ONNXIntegers(shape: [rows, cols], values: keep)
        switch x {
        case .integer(let v):
            let m = mask.broadcast(to: v.shape).values
            return .integer(ONNXIntegers(shape: v.shape, values: v.values.indices.map { m[$0] != 0 ? v.values[$0] : 0 }))
        case .float(let t):
            return .float(Tensor.where(mask.floatTensor, t, Tensor.zeros([1])))
        }
    }
}
