/// The order in which each pipeline stage runs its micro-batches' forward and backward passes.
/// Both give the same gradients (up to the order of floating-point sums) and the same idle share.
public enum PipelineSchedule: String, Sendable, CaseIterable {
    /// GPipe: every micro-batch's forward pass, then every backward pass in reverse order. Each
    /// stage keeps the activations of all M micro-batches until the drain.
    case gpipe
    /// One forward, one backward (PipeDream-Flush, Megatron-LM's default): stage s runs S−s−1
    /// warm-up forward passes, then alternates one forward and one backward pass, then drains. It
    /// keeps at most S−s micro-batches' activations at once instead of M. Neighbouring stages
    /// exchange an activation for a gradient with both directions in flight at once
    /// (`Communicator.sendReceive`).
    case oneForwardOneBackward = "1f1b"

    /// The number the processes compare at start (every stage must run the same schedule).
    var code: Int { self == .gpipe ? 1 : 2 }
}
