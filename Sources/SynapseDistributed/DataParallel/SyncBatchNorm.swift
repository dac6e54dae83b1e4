import SynapseCore
import SynapseNN

/// Synchronised batch normalisation (PyTorch's `SyncBatchNorm`): in training, every `BatchNorm` of
/// a replica normalises with the mean and variance of the whole global batch — every process's
/// examples — instead of its own share, so N processes with batch B compute what one process with
/// batch N·B computes (outputs, gradients and running statistics, up to the order of the sums).
/// Use it when the per-process batch is too small for good statistics (detection, segmentation,
/// many processes); plain data parallelism normalises each process's batch on its own, as DDP does.
///
/// Each normalisation sums its per-channel statistics over the processes twice in the forward pass
/// (the values with the count, then the squared deviations from the global mean) and twice in
/// backward (the gradients of those sums), so every process must run the same layers in the same
/// order — as data-parallel training does. Evaluation uses the running statistics and does not
/// communicate.
///
/// A layer's forward pass cannot throw, so a failed reduction is kept in `failure`, the step goes on
/// with this process's own statistics, later reductions are skipped, and `checkCommunication()` —
/// which `DistributedDataParallel.finishBackward` calls after every backward pass — throws it:
///
/// ```swift
/// let ddp = try DistributedDataParallel(model, communicator: world, synchronizeBatchNorm: true)
/// // or, in a loop of your own: let sync = SyncBatchNorm.convert(model, communicator: world)
/// //                            ... try sync.checkCommunication() after each step
/// ```
public final class SyncBatchNorm: BatchStatisticsSynchronizer {
    /// The processes whose batches are normalised together.
    public let communicator: any Communicator
    /// The first reduction that failed (then every later one is skipped); nil while all succeed.
    public private(set) var failure: DistributedError?
    /// Reductions made so far (forward and backward).
    public private(set) var reductions = 0

    /// A synchronizer over `communicator`'s processes (install it with `convert` or by setting
    /// `BatchNorm.statisticsSynchronizer`).
    public init(communicator: any Communicator) {
        self.communicator = communicator
    }

    /// Makes every `BatchNorm` of `module` (and its descendants) synchronise its training
    /// statistics over `communicator`'s processes; returns the synchronizer they share.
    @discardableResult
    public static func convert(_ module: Module, communicator: any Communicator) -> SyncBatchNorm {
        let synchronizer = SyncBatchNorm(communicator: communicator)
        for case let (_, norm as BatchNorm) in module.namedModules() { norm.statisticsSynchronizer = synchronizer }
        return synchronizer
    }

    /// The batch-norm layers of `module` that synchronise with some synchronizer.
    public static func synchronizedLayers(of module: Module) -> [BatchNorm] {
        module.namedModules().compactMap { $0.1 as? BatchNorm }.filter { $0.statisticsSynchronizer != nil }
    }

    /// Throws the first failed reduction, if any.
    public func checkCommunication() throws(DistributedError) {
        if let failure { throw failure }
    }

    /// `local` summed over every process; its gradient is the upstream gradient summed likewise.
    public func sum(_ local: Tensor) -> Tensor {
        let total = Tensor(shape: local.shape, scalars: reduced(local.contiguous().scalars, label: "batch-norm statistics"))
        return total.recorded("syncBatchNormSum", inputs: [local]) { [self] upstream in
            [Tensor(shape: upstream.shape, scalars: reduced(upstream.contiguous().scalars, label: "batch-norm statistics' gradients"))]
        }
    }

    /// `values` summed over the processes; this process's own values once a reduction has failed.
    private func reduced(_ values: [Float], label: String) -> [Float] {
        guard failure == nil, communicator.worldSize > 1 else { return values }
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: values.count)
        _ = buffer.initialize(from: values)
        do throws(DistributedError) {
            try communicator.wait(communicator.startAllReduceSum(buffer, label: "the sum of the \(label) (SyncBatchNorm)"))
        } catch {
            // A reduction that timed out may still write into the buffer later: it stays allocated
            // (the job ends after such a failure).
            failure = error
            return values
        }
        defer { buffer.deallocate() }
        reductions += 1
        return Array(buffer)
    }
}
