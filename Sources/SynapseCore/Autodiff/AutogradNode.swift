/// One value in the autodiff tape: a leaf (a tensor the user marked as requiring gradients) or the
/// result of an op, holding the op's vector-Jacobian product and the nodes of its inputs.
///
/// All copies of a tensor share one node, so a gradient accumulated through any copy is visible in
/// all of them (like PyTorch's tensor identity).
///
/// Ownership rule: a tape belongs to the thread that records it. Nodes are immutable once recorded
/// except for their gradient, which `backward()` writes, so tensors (and their nodes) may be passed
/// between threads and read anywhere, but two `backward()` calls through shared nodes (the same
/// parameters) must not run at once. Inference (`withoutGradients`, or inputs that need no gradient)
/// records no nodes and is free of this rule. `@unchecked Sendable` states exactly that contract.
public final class AutogradNode: @unchecked Sendable {
    /// The op that produced the value (`"leaf"` for leaves); named in error messages.
    public let op: String
    /// Shape of the value; gradients have this shape.
    public let shape: [Int]
    /// True for user-created tensors that keep their gradient after `backward()`.
    public let isLeaf: Bool
    /// Nodes of the op's inputs (nil for inputs that need no gradient).
    var inputs: [AutogradNode?]
    /// Maps the gradient of this value to the gradients of the inputs (same order as `inputs`).
    var vjp: ((Tensor) -> [Tensor?])?
    /// Accumulated gradient.
    var grad: Tensor?

    init(op: String, shape: [Int], isLeaf: Bool, inputs: [AutogradNode?] = [], vjp: ((Tensor) -> [Tensor?])? = nil) {
        self.op = op
        self.shape = shape
        self.isLeaf = isLeaf
        self.inputs = inputs
        self.vjp = vjp
    }

    /// Adds `g` to the gradient (in place when the buffer is not shared).
    func accumulate(_ g: Tensor) {
        require(g.shape == shape,
                     "backward: op \(op) produced a gradient of shape \(g.shape) for a value of shape \(shape)")
        if grad == nil {
            grad = g.detached()
        } else {
            grad!.addInPlace(g)
        }
    }
}
