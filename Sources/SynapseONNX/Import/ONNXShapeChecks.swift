import SynapseCore
import SynapseIO

/// Limits and shape arithmetic that keep an imported graph from trapping inside an op or allocating
/// without bound: every op checks its operands here first and throws a typed error instead.
package enum ONNXShapeChecks {
    /// How much one operator may allocate and compute.
    package struct Limits: Sendable {
        /// The most elements one intermediate value may hold; a graph that asks for more (a huge
        /// ConstantOfShape, Expand or broadcast from a damaged file) is refused.
        package var elements: Int
        /// The most multiply-adds one MatMul, Gemm or convolution may do.
        package var multiplyAdds: Int
        /// Limits of `elements` per value and `multiplyAdds` per operator.
        package init(elements: Int, multiplyAdds: Int) {
            self.elements = elements
            self.multiplyAdds = multiplyAdds
        }
        /// The defaults: 2^26 elements (256 MiB of floats) and 2^42 multiply-adds per operator.
        package static let standard = Limits(elements: 1 << 26, multiplyAdds: 1 << 42)
    }

    /// The limits in force: `standard`, or tighter ones a caller sets around a run (the fuzzer does,
    /// so that a mutated file cannot make one operator run for minutes).
    @TaskLocal package static var limits = Limits.standard

    /// The element limit in force.
    static var maximumElementCount: Int { limits.elements }

    /// Checks that an operator's multiply-add count (the product of `factors`) is within the limit.
    static func work(_ factors: [Int], _ node: ONNXNode) throws(ONNXError) {
        var total = 1
        for f in factors {
            let (p, overflow) = total.multipliedReportingOverflow(by: max(f, 0))
            guard !overflow, p <= limits.multiplyAdds else {
                throw node.error("needs more than \(limits.multiplyAdds) multiply-adds (factors \(factors))")
            }
            total = p
        }
    }

    /// The element count of `shape`, checked for negative dimensions and the size limit.
    static func elementCount(_ shape: [Int], _ node: ONNXNode) throws(ONNXError) -> Int {
        var count = 1
        for d in shape {
            guard d >= 0 else { throw node.error("negative dimension in shape \(shape)") }
            // Also per dimension: an empty shape such as [0, 2^40] must not drive a loop over its axis.
            guard d <= maximumElementCount else { throw node.error("dimension \(d) in shape \(shape) exceeds \(maximumElementCount)") }
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, p <= maximumElementCount else {
                throw node.error("shape \(shape) holds more than \(maximumElementCount) elements")
            }
            count = p
        }
        return count
    }

    /// The NumPy broadcast of shapes `a` and `b`, or an error naming both.
    static func broadcast(_ a: [Int], _ b: [Int], _ node: ONNXNode) throws(ONNXError) -> [Int] {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else {
                throw node.error("shapes \(a) and \(b) cannot be broadcast together")
            }
        }
        _ = try elementCount(out, node)
        return out
    }

    /// Checks that a float operand has at least one element (the kernels expect non-empty input).
    static func nonEmpty(_ t: Tensor, _ node: ONNXNode, _ what: String = "input") throws(ONNXError) {
        guard t.count > 0 else { throw node.error("\(what) of shape \(t.shape) is empty") }
    }
}
