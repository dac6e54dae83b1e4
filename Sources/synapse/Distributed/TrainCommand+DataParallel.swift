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
            // A plain run has nothing to shard or bucket: refuse the flags rather than ignore them.
            if shardOptimizer || bucketMB != 25 {
                throw ValidationError("\(shardOptimizer ? "--shard-optimizer" : "--bucket-mb") applies to data-parallel training: "
                                      + "launch the run with mpirun -np N (N > 1)")
            }
            return try body()
        }
        if threads == nil {
            let local = Int(ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_SIZE"] ?? "") ?? world.worldSize
            ThreadPool.shared.setThreadCount(max(1, ProcessInfo.processInfo.activeProcessorCount / max(local, 1)))
        }
        do {
            guard runKind == .image, model.imageClassifier != nil else {
                throw ValidationError("data-parallel training (mpirun -np \(world.worldSize)) trains image classifiers: "
                                      + "--dataset fashion-mnist|mnist or --images DIR with --model mlp, cnn or vit")
            }
            try body()
            try world.finalize()
        } catch {
            let message = (error as? ValidationError)?.message ?? "\(error)"
            FileHandle.standardError.write(Data("synapse train (rank \(world.rank) of \(world.worldSize)): error: \(message)\n".utf8))
            MPICommunicator.abortJob(code: 1)
        }
    }

    /// The figures a data-parallel run adds to its final JSON line.
    static func dataParallelFigures(world: (any Communicator)?, batchSize: Int) -> [String: Any] {
        let ranks = world?.worldSize ?? 1
        return ["ranks": ranks, "global_batch": ranks * batchSize]
    }
}
