import SynapseCore

/// A residual (skip) connection: y = body(x) + shortcut(x), with the identity as default shortcut
/// (ResNet / Transformer style). Parameter names: `body.*` and, when given, `shortcut.*`.
public final class Residual: Module, Layer {
    /// The residual branch.
    public let body: any Layer
    /// The skip branch; nil means the identity.
    public let shortcut: (any Layer)?

    /// y = body(x) + x, or body(x) + shortcut(x) when the branch changes the shape (e.g. a 1×1 conv).
    public init(_ body: any Layer, shortcut: (any Layer)? = nil) {
        self.body = body
        self.shortcut = shortcut
        super.init()
    }

    /// A residual block from a layer list: `Residual { Linear(8, 8); ReLU(); Linear(8, 8) }`.
    public convenience init(@LayerBuilder _ build: () -> [any Layer]) { self.init(Sequential(build())) }

    /// Sub-modules by name (the reflection in `Module` does not see existential properties).
    public override func namedChildren() -> [(String, Module)] {
        var children: [(String, Module)] = [("body", body as Module)]
        if let shortcut { children.append(("shortcut", shortcut as Module)) }
        return children
    }

    /// Applies the block.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        recordingCall {
            let y = body(x)
            let skip = shortcut.map { $0(x) } ?? x
            require(y.shape == skip.shape,
                    "Residual: the body maps \(x.shape) to \(y.shape) but the shortcut gives \(skip.shape); add a shortcut layer that matches")
            return y + skip
        }
    }
}
