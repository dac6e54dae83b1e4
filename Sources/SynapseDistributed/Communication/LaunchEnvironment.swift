/// Where this process sits in a job started by a launcher: `mpirun` (Open MPI sets
/// `OMPI_COMM_WORLD_RANK` and `OMPI_COMM_WORLD_SIZE`), or a PMI launcher such as MPICH's
/// Hydra or Slurm's `srun` (`PMI_RANK`, `PMI_SIZE`). Read before MPI starts, so a plain run
/// never initialises MPI.
public struct LaunchEnvironment: Sendable, Equatable {
    /// This process's rank.
    public let rank: Int
    /// The number of processes the launcher started.
    public let worldSize: Int
    /// The rank among the processes on this host, when the launcher says.
    public let localRank: Int?

    /// A launch of `worldSize` processes.
    public init(rank: Int, worldSize: Int, localRank: Int? = nil) {
        self.rank = rank
        self.worldSize = worldSize
        self.localRank = localRank
    }

    /// True when more than one process shares the job.
    public var isDistributed: Bool { worldSize > 1 }

    /// The launch described by `environment` (the process's own by default), or nil when no
    /// launcher started this process.
    /// - Throws: `DistributedError.environment` when the variables are there but not a rank in a
    ///   positive size.
    public static func detect(_ environment: [String: String]) throws(DistributedError) -> LaunchEnvironment? {
        let pairs = [("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"), ("PMIX_RANK", "OMPI_COMM_WORLD_SIZE"), ("PMI_RANK", "PMI_SIZE")]
        for (rankName, sizeName) in pairs {
            guard let rankText = environment[rankName], let sizeText = environment[sizeName] else { continue }
            guard let rank = Int(rankText), let size = Int(sizeText), size >= 1, (0..<size).contains(rank) else {
                throw .environment(reason: "\(rankName)=\(rankText) and \(sizeName)=\(sizeText) are not a rank within a job size")
            }
            let local = environment["OMPI_COMM_WORLD_LOCAL_RANK"].flatMap { Int($0) }
            return LaunchEnvironment(rank: rank, worldSize: size, localRank: local)
        }
        return nil
    }
}
