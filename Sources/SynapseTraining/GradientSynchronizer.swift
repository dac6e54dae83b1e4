import SynapseCore

/// Makes the gradients of one training step agree across the processes of a data-parallel job
/// (`DistributedDataParallel` in SynapseDistributed); `Trainer.gradientSynchronizer` calls it.
///
/// Per optimizer step the trainer calls `beginBackward()` before the backward pass of the step's
/// last micro-batch, hands `gradientReady` to that pass (each trainable leaf is reported as soon as
/// its gradient is final, so reductions can start while backward goes on), then
/// `finishBackward()`, after which every parameter's gradient is the mean over processes. Earlier
/// micro-batches of a gradient-accumulation group run without it (PyTorch's `no_sync`): their
/// gradients are summed locally and reduced once with the last.
public protocol GradientSynchronizer: AnyObject {
    /// Before the backward pass whose gradients are reduced.
    func beginBackward()
    /// The leaf identified by `leaf` (a parameter's `autogradLeafIdentity`) has its final gradient.
    func gradientReady(_ leaf: ObjectIdentifier)
    /// Waits until every reduction is done and writes the averaged gradients back.
    /// - Throws: the communicator's error (a peer that failed or hangs past the timeout).
    func finishBackward() throws
}
