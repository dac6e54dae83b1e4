import ArgumentParser
import Foundation
import Synapse

extension TrainCommand {
    /// The job's processes when `mpirun -np N` (N > 1) started this one, MPI started on first use;
    /// nil for a plain run, which never touches MPI.
    /// - Throws: `DistributedError` when the launcher's variables are malformed or MPI cannot start.
    func dataParallelWorld() throws -> MPICommunicator? {
        guard let launch = try LaunchEnvironment.detect(ProcessInfo.processInfo.environment), launch.isDistributed else { return nil }
        return try MPICommunicator.world(timeout: distributedTimeout)
    }

    /// Runs `body` as one process of a data-parallel job: the thread count defaults to the cores
    /// divided among the processes on this host (all cores each would oversubscribe them), only
    /// image classifiers train, and any error is printed with the rank and ends every process
    /// (`MPI_Abort`), so none of them waits for a reduction that will never come. A plain run just
    /// runs `body`.
    func runAsDataParallelProcess(_ body: () throws -> Void) throws {
        guard let world = try dataParallelWorld() else {
            // A plain run has nothing to shard, bucket or cut into stages: refuse the flags rather than ignore them.
            if shardOptimizer || bucketMB != 25 {
                throw ValidationError("\(shardOptimizer ? "--shard-optimizer" : "--bucket-mb") applies to data-parallel training: "
                                      + "launch the run with mpirun -np N (N > 1)")
            }
            if pipelineParallel {
                throw ValidationError("--pipeline cuts the network into one stage per process: launch the run with mpirun -np N (N > 1)")
            }
            return try body()
        }
        if threads == nil {
            let local = Int(ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_SIZE"] ?? "") ?? world.worldSize
            ThreadPool.shared.setThreadCount(max(1, ProcessInfo.processInfo.activeProcessorCount / max(local, 1)))
        }
        do {
            guard runKind == .image, model.imageClassifier != nil else {
                throw ValidationError("\(pipelineParallel ? "pipeline" : "data")-parallel training (mpirun -np \(world.worldSize)) trains image classifiers: "
                                      + "--dataset fashion-mnist|mnist or --images DIR with --model mlp, cnn\(pipelineParallel ? "" : " or vit")")
            }
            try body()
            try world.finalize()
        } catch {
            let message = (error as? ValidationError)?.message ?? "\(error)"
            FileHandle.standardError.write(Data("synapse train (rank \(world.rank) of \(world.worldSize)): error: \(message)\n".utf8))
            MPICommunicator.abortJob(code: 1)
        }
    }

    /// Refuses pipeline flags that would be ignored or cannot work, before anything runs.
    func validatePipelineFlags() throws {
        if !pipelineParallel {
            if let flag = microBatches != nil ? "--micro-batches" : stageStarts != nil ? "--stage-starts" : pipelineSchedule != nil ? "--pipeline-schedule" : nil {
                throw ValidationError("\(flag) applies to pipeline-parallel training: add --pipeline")
            }
            return
        }
        if let microBatches, microBatches < 1 { throw ValidationError("--micro-batches must be at least 1, got \(microBatches)") }
        if shardOptimizer || bucketMB != 25 {
            throw ValidationError("\(shardOptimizer ? "--shard-optimizer" : "--bucket-mb") applies to data-parallel training, not --pipeline")
        }
        _ = try parsedStageStarts()
        _ = try parsedPipelineSchedule()
    }

    /// `--pipeline-schedule` (GPipe when not given).
    func parsedPipelineSchedule() throws -> PipelineSchedule {
        guard let pipelineSchedule else { return .gpipe }
        guard let schedule = PipelineSchedule(rawValue: pipelineSchedule.lowercased()) else {
            throw ValidationError("--pipeline-schedule must be one of \(PipelineSchedule.allCases.map(\.rawValue).joined(separator: ", ")), got '\(pipelineSchedule)'")
        }
        return schedule
    }

    /// `--stage-starts` as layer indices (nil when not given).
    func parsedStageStarts() throws -> [Int]? {
        guard let stageStarts else { return nil }
        let parts = stageStarts.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil && $0! >= 0 }) else {
            throw ValidationError("--stage-starts must be comma-separated layer indices such as 0,6, got '\(stageStarts)'")
        }
        return parts.map { $0! }
    }

    /// The figures a data-parallel or pipeline-parallel run adds to its final JSON line.
    static func dataParallelFigures(world: (any Communicator)?, batchSize: Int, pipeline: PipelineRunSummary? = nil) -> [String: Any] {
        let ranks = world?.worldSize ?? 1
        guard let pipeline else {
            var figures: [String: Any] = ["ranks": ranks, "global_batch": ranks * batchSize]
            // How the gradients were summed: one shared-memory window when every process runs on
            // this host, MPI_Allreduce (over the network) otherwise.
            if let shared = (world as? MPICommunicator)?.sumsThroughSharedMemory {
                figures["reduction"] = shared ? "shared-memory" : "mpi-allreduce"
            }
            return figures
        }
        // Every process trains on the same batch: the global batch is the batch.
        return ["ranks": ranks, "global_batch": batchSize, "pipeline_stages": pipeline.stages.count, "micro_batches": pipeline.microBatches,
                "stage_starts": pipeline.stageStarts, "pipeline_schedule": pipeline.schedule.rawValue,
                "peak_live_micro_batches": pipeline.stages.map(\.peakLiveMicroBatches),
                "bubble_fraction": (pipeline.bubbleFraction * 1000).rounded() / 1000,
                "bubble_theoretical": (pipeline.theoreticalBubbleFraction * 1000).rounded() / 1000]
    }
}
