import SynapseTraining

/// What a `Trainer` in a data-parallel job agrees on with the other processes, beside the
/// gradients (`DistributedDataParallel`): at the start, that every process takes the same number
/// of steps per epoch (else one would wait for reductions that never come); at each epoch's end,
/// the training `loss` logged as the mean over processes, and rank 0's decision to stop (early
/// stopping) and learning rate (a plateau schedule), so every process stops at the same epoch and
/// steps alike. Callbacks placed before it that monitor `loss` see this process's own. With a `ZeroRedundancyOptimizer` it also
/// throws a failed step's communication error after the step, and gathers the optimizer's shards
/// at each epoch's end, so the checkpoints rank 0 writes hold the whole state. Put it after the
/// callbacks that decide to stop and before those that report or write.
public final class DistributedTrainingCallback: TrainingCallback {
    /// The job's processes.
    public let communicator: any Communicator

    /// A callback for `communicator`'s job.
    public init(communicator: any Communicator) {
        self.communicator = communicator
    }

    /// Checks that every process has as many batches per epoch.
    public func trainBegin(_ context: TrainingContext) throws {
        let all = try communicator.allGather([Double(context.batchesPerEpoch)], label: "the check of batches per epoch")
        if let differing = all.firstIndex(where: { $0 != all[0] }) {
            throw DistributedError.mismatch(reason: "rank 0 has \(Int(all[0][0])) batches per epoch, rank \(differing) "
                + "\(Int(all[differing][0])); shard the training data with DistributedSampler")
        }
    }

    /// Throws the communication failure of a sharded optimizer's step, if any.
    public func batchEnd(_ context: TrainingContext) throws {
        if let sharded = context.optimizer as? ZeroRedundancyOptimizer { try sharded.checkCommunication() }
    }

    /// Averages `loss` over processes and takes rank 0's decision to stop; gathers a sharded
    /// optimizer's state.
    public func epochEnd(_ context: TrainingContext) throws {
        if let sharded = context.optimizer as? ZeroRedundancyOptimizer { try sharded.consolidate() }
        var values = [context.epochLogs["loss"] ?? 0]
        try communicator.allReduceSum(&values, label: "the epoch's mean training loss")
        if context.epochLogs["loss"] != nil { context.epochLogs["loss"] = values[0] / Double(communicator.worldSize) }
        var stop: [UInt8] = [context.stopTraining ? 1 : 0]
        try communicator.broadcast(&stop, root: 0, label: "rank 0's decision to stop")
        context.stopTraining = stop[0] != 0
        // A schedule on a monitored value (plateau) decides on each process: rank 0's rate holds.
        var rate = [context.optimizer.learningRate]
        try communicator.allGather(rate, label: "rank 0's learning rate").first.map { rate = $0 }
        context.optimizer.learningRate = rate[0]
    }
}
