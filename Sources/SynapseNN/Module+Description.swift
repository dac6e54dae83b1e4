import Foundation
import SynapseCore

extension Module: CustomStringConvertible {
    /// The module tree as PyTorch prints it, one child per indented line with its type and
    /// constructor arguments (`extraDescription`), and the total parameter count at the end:
    ///
    /// ```text
    /// MLP(
    ///   (fc1): Linear(784 → 512, bias)
    ///   (act): ReLU()
    ///   (fc2): Linear(512 → 10, bias)
    /// )
    /// Total parameters: 407,050
    /// ```
    public var description: String {
        treeDescription() + "\nTotal parameters: " + Self.grouped(parameterCount)
    }

    /// This module and its children, without the parameter count.
    func treeDescription() -> String {
        let name = String(describing: type(of: self))
        let children = namedChildren()
        guard !children.isEmpty else { return "\(name)(\(extraDescription))" }
        var lines = ["\(name)(\(extraDescription)"]
        for (label, child) in children {
            lines.append("  (\(label)): " + child.treeDescription().replacingOccurrences(of: "\n", with: "\n  "))
        }
        lines.append(")")
        return lines.joined(separator: "\n")
    }

    /// `n` with thousands separators (`407,050`), independent of the locale.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }
}
