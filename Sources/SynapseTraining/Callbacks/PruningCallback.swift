import SynapseNN

/// Keeps pruned weights pruned while a model fine-tunes: applies `masks` before the first step
/// and after every optimizer step, so a pruned entry that the step moved (Adam's momentum, weight
/// decay) is zero again before the next forward pass, and validation sees the pruned model.
public final class PruningCallback: TrainingCallback {
    /// The masks held in place.
    public let masks: PruningMasks

    /// Holds `masks` during `Trainer.fit`.
    public init(masks: PruningMasks) { self.masks = masks }

    /// Applies the masks before training starts.
    public func trainBegin(_ context: TrainingContext) throws { masks.apply() }

    /// Applies the masks after each optimizer step.
    public func batchEnd(_ context: TrainingContext) throws { masks.apply() }
}
