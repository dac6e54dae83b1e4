import SynapseCore
import SynapseNN

/// Dynamic loss scaling for float16 training, PyTorch's `torch.amp.GradScaler`.
///
/// Float16 gradients underflow: a gradient below 2⁻²⁴ becomes zero on its way through a float16
/// product, and small updates vanish. The scaler multiplies the loss by a large factor before
/// `backward()` so the gradients stay representable, divides them by the same factor before the
/// optimizer sees them, and adapts the factor: when a step's gradients hold ±inf or NaN (the scale
/// was too large and something overflowed) the step is **skipped** and the scale multiplied by
/// `backoffFactor`; after `growthInterval` consecutive good steps it is multiplied by
/// `growthFactor`. Defaults are PyTorch's (2¹⁶, 2, 0.5, 2000).
///
/// ```swift
/// let scaler = GradientScaler()
/// let loss = autocast(.float16) { crossEntropy(model(x), labels) }
/// optimizer.zeroGrad()
/// scaler.scaled(loss).backward()
/// scaler.unscaleGradients(of: optimizer)          // before clipping, which needs true gradients
/// GradientClipping.clipByNorm(optimizer.parameters, maxNorm: 1)
/// scaler.step(optimizer)                          // skipped when the gradients overflowed
/// scaler.update()
/// ```
///
/// `Trainer` does all of this itself at `precision = .float16`. One addition to PyTorch: the scale
/// never falls below `minimumScale`, and `Trainer` treats non-finite gradients at that scale as
/// divergence (a NaN that no scale can avoid), instead of skipping steps for ever.
public final class GradientScaler {
    /// The factor the loss is multiplied by (a power of two with the default factors).
    public private(set) var scale: Float
    /// What the scale is multiplied by after `growthInterval` steps without overflow.
    public let growthFactor: Float
    /// What the scale is multiplied by after a step whose gradients overflowed.
    public let backoffFactor: Float
    /// Consecutive good steps before the scale grows.
    public let growthInterval: Int
    /// The smallest scale: backing off stops here.
    public let minimumScale: Float
    /// Good steps since the scale last changed.
    public private(set) var growthTracker = 0
    /// Steps skipped because of overflow, since the scaler was made (not checkpointed).
    public private(set) var skippedSteps = 0
    /// Whether the gradients of the current step have been unscaled, and what that found.
    private var unscaled: (foundNonFinite: Bool, scale: Float)?

    /// A scaler starting at `initialScale`.
    public init(initialScale: Float = 65536, growthFactor: Float = 2, backoffFactor: Float = 0.5,
                growthInterval: Int = 2000, minimumScale: Float = 1) {
        require(initialScale.isFinite && initialScale > 0, "GradientScaler: initialScale must be positive and finite, got \(initialScale)")
        require(growthFactor >= 1 && growthFactor.isFinite, "GradientScaler: growthFactor must be at least 1, got \(growthFactor)")
        require(backoffFactor > 0 && backoffFactor < 1, "GradientScaler: backoffFactor must be in (0, 1), got \(backoffFactor)")
        require(growthInterval >= 1, "GradientScaler: growthInterval must be at least 1, got \(growthInterval)")
        require(minimumScale > 0 && minimumScale <= initialScale,
                "GradientScaler: minimumScale must be in (0, initialScale], got \(minimumScale)")
        scale = initialScale
        self.growthFactor = growthFactor
        self.backoffFactor = backoffFactor
        self.growthInterval = growthInterval
        self.minimumScale = minimumScale
    }

    /// `loss × scale`: call `backward()` on this instead of on the loss.
    public func scaled(_ loss: Tensor) -> Tensor { loss * scale }

    /// Divides every gradient of `parameters` by the scale, in place, and records whether any holds
    /// ±inf or NaN. Once per step (a second call before `update()` does nothing); call it before
    /// anything that reads the gradients' values, such as clipping.
    /// - Returns: whether every gradient is finite (the step may be taken).
    @discardableResult
    public func unscaleGradients(of parameters: [Parameter]) -> Bool {
        if let unscaled { return !unscaled.foundNonFinite }
        // PyTorch multiplies by the reciprocal computed in double precision; for a power-of-two scale
        // both are exact.
        let inverse = Float(1 / Double(scale))
        var foundNonFinite = false
        for p in parameters {
            // A row-sparse gradient (`Embedding(sparse: true)`) is scaled and checked like a dense one.
            if var sparse = p.sparseGrad {
                sparse.scale(by: inverse)
                if !sparse.isFinite { foundNonFinite = true }
                p.sparseGrad = sparse
            }
            guard let g0 = p.grad else { continue }
            var g = g0.contiguous()
            g.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] *= inverse } }
            if !foundNonFinite && !g.isAllFinite { foundNonFinite = true }
            p.grad = g
        }
        unscaled = (foundNonFinite, scale)
        return !foundNonFinite
    }

    /// `unscaleGradients(of: optimizer.parameters)`.
    @discardableResult
    public func unscaleGradients(of optimizer: any Optimizer) -> Bool { unscaleGradients(of: optimizer.parameters) }

    /// Whether the current step's unscaled gradients held ±inf or NaN (false before unscaling).
    public var foundNonFinite: Bool { unscaled?.foundNonFinite ?? false }

    /// Unscales the gradients (unless done already) and runs `optimizer.step()` when they are all
    /// finite. Call `update()` afterwards.
    /// - Returns: whether the step was taken.
    @discardableResult
    public func step(_ optimizer: any Optimizer) -> Bool {
        guard unscaleGradients(of: optimizer.parameters) else { return false }
        optimizer.step()
        return true
    }

    /// Adapts the scale to the step that just ended (back off after an overflow, grow after
    /// `growthInterval` good steps) and starts the next step. A step whose gradients were never
    /// unscaled counts as good.
    public func update() {
        if foundNonFinite {
            scale = Swift.max(scale * backoffFactor, minimumScale)
            growthTracker = 0
            skippedSteps += 1
        } else {
            growthTracker += 1
            if growthTracker >= growthInterval {
                let grown = scale * growthFactor
                // PyTorch keeps the old scale when growing would overflow Float32.
                if grown.isFinite { scale = grown }
                growthTracker = 0
            }
        }
        unscaled = nil
    }

    /// The state that later steps depend on, for checkpoints: `scale` and `growth_tracker`.
    public func stateDict() -> [String: Double] { ["scale": Double(scale), "growth_tracker": Double(growthTracker)] }

    /// Restores `stateDict()`.
    /// - Throws: `OptimizerError.invalidState` when a value is missing or out of range.
    public func loadStateDict(_ state: [String: Double]) throws(OptimizerError) {
        guard let s = state["scale"], s.isFinite, s > 0, Float(s).isFinite else {
            throw .invalidState("gradient scaler: scale must be a positive finite number, got \(state["scale"].map(String.init(describing:)) ?? "nothing")")
        }
        guard let t = state["growth_tracker"], t >= 0, t < Double(Int32.max), t == t.rounded() else {
            throw .invalidState("gradient scaler: growth_tracker must be a non-negative integer, got \(state["growth_tracker"].map(String.init(describing:)) ?? "nothing")")
        }
        scale = Float(s)
        growthTracker = Int(t)
        unscaled = nil
    }
}
