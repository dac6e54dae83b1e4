/// A trainable tensor owned by a module (PyTorch `nn.Parameter`).
///
/// A reference type so the module, the optimizer and the user all see the same value: the optimizer
/// updates `value` in place (no copy while the buffer is not shared) and the module reads it on the
/// next forward pass.
public final class Parameter: @unchecked Sendable {
    /// The current value; always a leaf that requires gradients.
    public var value: Tensor {
        didSet { if !value.requiresGrad { value.requiresGrad = true } }
    }

    /// Wraps `value` as a trainable leaf.
    public init(_ value: Tensor) {
        self.value = value.detached().requiringGrad()
    }

    /// The gradient accumulated by the last `backward()` calls, or nil.
    public var grad: Tensor? {
        get { value.grad }
        set { value.grad = newValue }
    }

    /// Shape of the value.
    public var shape: [Int] { value.shape }

    /// Clears the gradient.
    public func zeroGrad() { value.zeroGrad() }
}

/// A non-trainable tensor saved with a module's state (e.g. batch-norm running statistics).
public final class Buffer: @unchecked Sendable {
    /// The current value.
    public var value: Tensor
    /// Wraps `value`.
    public init(_ value: Tensor) { self.value = value.detached() }
}
