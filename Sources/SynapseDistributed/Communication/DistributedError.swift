/// Why a data-parallel or pipeline-parallel operation failed. The CLI prints `description` and ends
/// every process of the job, so a failure never leaves the other processes waiting.
public enum DistributedError: Error, Equatable, CustomStringConvertible {
    /// MPI reported an error for `operation`.
    case mpi(operation: String, code: Int32, message: String)
    /// `operation` did not complete within `seconds` on `rank`: another process died, hangs or
    /// takes a different path through the program.
    case timedOut(operation: String, seconds: Double, rank: Int)
    /// The MPI library cannot be called from more than one thread.
    case threadSupport(provided: Int)
    /// The launch environment is not usable (`reason` says why).
    case environment(reason: String)
    /// The processes disagree about something that must be equal everywhere (`reason` says what).
    case mismatch(reason: String)
    /// What was asked cannot be done in a data-parallel job (`reason` says why).
    case unsupported(reason: String)

    /// A message that names the operation and what to do.
    public var description: String {
        switch self {
        case .mpi(let operation, let code, let message):
            return "distributed: MPI error \(code) in \(operation): \(message)"
        case .timedOut(let operation, let seconds, let rank):
            return "distributed: rank \(rank) waited \(Self.format(seconds)) s for \(operation) without an answer: another process "
                + "died, hangs or runs a different step (raise --distributed-timeout for very slow steps); stopping every process"
        case .threadSupport(let provided):
            return "distributed: the MPI library provides thread level \(provided); Synapse needs MPI_THREAD_MULTIPLE (3) "
                + "(Open MPI from Debian's openmpi-bin provides it)"
        case .environment(let reason):
            return "distributed: \(reason)"
        case .mismatch(let reason):
            return "distributed: the processes disagree: \(reason)"
        case .unsupported(let reason):
            return "distributed: \(reason)"
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
