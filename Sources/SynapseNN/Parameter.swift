import Foundation
import SynapseCore

/// A value that every access reads or writes under a recursive lock, an in-place modification
/// included for its whole duration; `normalize` runs (under the lock) after every write.
/// Recursive, because an update in place may read the same value again (a parameter's gradient)
/// while it holds it.
final class LockedValue<Value>: @unchecked Sendable {
    private let lock = NSRecursiveLock()
    private var stored: Value
    private let normalize: @Sendable (inout Value) -> Void

    init(_ value: Value, normalize: @escaping @Sendable (inout Value) -> Void = { _ in }) {
        stored = value
        self.normalize = normalize
    }

    /// Runs `body` on the value under the lock, then normalises it.
    func modify(_ body: (inout Value) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        body(&stored)
        normalize(&stored)
    }

    var value: Value {
        get {
            lock.lock()
            defer { lock.unlock() }
            return stored
        }
        set {
            lock.lock()
            defer { lock.unlock() }
            stored = newValue
            normalize(&stored)
        }
        _modify {
            lock.lock()
            defer { lock.unlock() }
            yield &stored
            normalize(&stored)
        }
    }
}

/// A trainable tensor owned by a module (PyTorch `nn.Parameter`).
///
/// A reference type so the module, the optimizer and the user all see the same value: the optimizer
/// updates `value` in place (no copy while the buffer is not shared) and the module reads it on the
/// next forward pass.
///
/// `requiresGrad` (true by default) freezes the parameter when false, as PyTorch's
/// `p.requires_grad_(False)`: its value is then a plain tensor, so ops on it record nothing on the
/// autodiff tape (a subgraph of frozen parameters and inputs costs no gradient work), it never gets
/// a gradient, and optimizers — which skip parameters without a gradient — leave it, and their
/// state for it, untouched.
///
/// Thread safety: every access to `value` (and so to `grad`) holds the parameter's lock, including an
/// in-place update for its whole duration, so any number of threads may run a model for inference
/// while another thread updates or loads its weights: a reader gets either the old or the new
/// tensor, never a torn one (an in-place update of a buffer a reader still holds copies it first).
/// Training itself — `backward()` through the same parameters from several threads at once — is not
/// supported: one thread records and runs a tape (see `AutogradNode`).
public final class Parameter: Sendable {
    private let trainable: LockedValue<Bool>
    private let state: LockedValue<Tensor>
    private let sparseState = LockedValue<RowSparseGradient?>(nil)

    /// The current value; a leaf that requires gradients unless the parameter is frozen.
    public var value: Tensor {
        get { state.value }
        set { state.value = newValue }
        _modify { yield &state.value }
    }

    /// Wraps `value` as a leaf; trainable unless `requiresGrad` is false.
    public init(_ value: Tensor, requiresGrad: Bool = true) {
        let trainable = LockedValue(requiresGrad)
        self.trainable = trainable
        // Every write is normalised to the parameter's flag, so assigning a tensor (a load, an
        // optimizer step) never turns a frozen parameter trainable or the other way round.
        state = LockedValue(value.detached()) { v in
            let wanted = trainable.value
            if v.requiresGrad != wanted { v.requiresGrad = wanted }
        }
        state.value = state.value
    }

    /// Whether the parameter trains (PyTorch `requires_grad`). Setting false freezes it and drops
    /// its gradient; setting true makes it a fresh leaf without a gradient.
    public var requiresGrad: Bool {
        get { trainable.value }
        set {
            trainable.value = newValue
            state.value = state.value.detached()
            sparseState.value = nil
        }
    }

    /// The gradient accumulated by the last `backward()` calls, or nil (always nil while frozen).
    public var grad: Tensor? {
        get { value.grad }
        set { if requiresGrad { value.grad = newValue } }
    }

    /// The row-sparse gradient accumulated by the last `backward()` calls through a sparse
    /// lookup of this table (`Embedding(sparse: true)`), or nil. Such a parameter has no dense
    /// `grad`; `SparseAdam` reads this instead and updates only the touched rows.
    public var sparseGrad: RowSparseGradient? {
        get { sparseState.value }
        set { if requiresGrad { sparseState.value = newValue } }
    }

    /// Adds `gradient` to `sparseGrad` (what a sparse lookup's backward pass does); ignored while frozen.
    public func accumulateSparseGrad(_ gradient: RowSparseGradient) {
        guard requiresGrad else { return }
        // In place under one lock: a copy per lookup would cost the whole accumulated gradient.
        sparseState.modify { stored in
            if stored == nil { stored = gradient } else { stored!.accumulate(gradient) }
        }
    }

    /// Shape of the value.
    public var shape: [Int] { value.shape }

    /// Clears the gradient, dense and sparse.
    public func zeroGrad() {
        if requiresGrad { value.zeroGrad() }
        sparseState.value = nil
    }
}

/// A non-trainable tensor saved with a module's state (e.g. batch-norm running statistics).
///
/// Thread safety as for `Parameter`: every access to `value` holds the buffer's lock.
public final class Buffer: Sendable {
    private let state: LockedValue<Tensor>

    /// The current value.
    public var value: Tensor {
        get { state.value }
        set { state.value = newValue }
        _modify { yield &state.value }
    }

    /// Wraps `value`.
    public init(_ value: Tensor) { state = LockedValue(value.detached()) }
}
