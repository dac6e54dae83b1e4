import Foundation

/// Formats tensors the way PyTorch prints them: nested brackets, aligned columns, and summarised
/// (`...`) when there are more than 1000 elements.
enum TensorFormatter {
    static let summaryThreshold = 1000
    static let edgeItems = 3

    static func format(shape: [Int], values: [Double], integral: Bool, suffix: String?) -> String {
        let summarise = values.count > summaryThreshold
        let finite = values.filter { $0.isFinite }
        let allIntegral = integral || (!finite.isEmpty && finite.allSatisfy { $0 == $0.rounded() && Swift.abs($0) < 1e8 })
        let maxAbs = finite.map { Swift.abs($0) }.max() ?? 0
        let minAbs = finite.filter { $0 != 0 }.map { Swift.abs($0) }.min() ?? 0
        let scientific = !allIntegral && (maxAbs >= 1e8 || (minAbs > 0 && minAbs < 1e-4) || (minAbs > 0 && maxAbs / minAbs > 1000))
        func text(_ v: Double) -> String {
            if v.isNaN { return "nan" }
            if v.isInfinite { return v > 0 ? "inf" : "-inf" }
            if integral { return String(Int(v)) }
            if allIntegral { return String(format: "%.0f.", v) }
            return scientific ? String(format: "%.4e", v) : String(format: "%.4f", v)
        }
        let width = values.map { text($0).count }.max() ?? 1
        func pad(_ s: String) -> String { String(repeating: " ", count: width - s.count) + s }
        let strides = ShapeMath.contiguousStrides(shape)
        let prefix = "tensor("
        func render(_ dim: Int, _ base: Int, _ indent: Int) -> String {
            if dim == shape.count { return pad(text(values[base])) }
            let size = shape[dim]
            var parts: [String] = []
            let idx: [Int?] = summarise && size > 2 * edgeItems
                ? Array(0..<edgeItems) + [nil] + Array((size - edgeItems)..<size)
                : Array(0..<size)
            for i in idx {
                if let i { parts.append(render(dim + 1, base + i * strides[dim], indent + 1)) } else { parts.append("...") }
            }
            if dim == shape.count - 1 { return "[" + parts.joined(separator: ", ") + "]" }
            let sep = "," + String(repeating: "\n", count: shape.count - dim - 1) + String(repeating: " ", count: indent + 1)
            return "[" + parts.joined(separator: sep) + "]"
        }
        var body = shape.isEmpty ? text(values.first ?? 0) : render(0, 0, prefix.count)
        if shape.contains(0) { body = "[]" }
        var extras: [String] = []
        if shape.count > 1 || summarise || shape.contains(0) { extras.append("shape: \(shape)") }
        if let suffix { extras.append(suffix) }
        return prefix + body + (extras.isEmpty ? "" : ", " + extras.joined(separator: ", ")) + ")"
    }
}

extension Tensor: CustomStringConvertible, CustomDebugStringConvertible {
    /// PyTorch-style text, e.g. `tensor([[1.0000, 2.5000], [3.0000, 4.0000]], shape: [2, 2])`.
    public var description: String {
        TensorFormatter.format(shape: shape, values: scalars.map(Double.init), integral: false,
                               suffix: requiresGrad ? "requiresGrad: true" : nil)
    }
    /// Same as `description`.
    public var debugDescription: String { description }
}
