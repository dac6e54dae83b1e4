/// The processes of a data-parallel or pipeline-parallel job and the collective operations between
/// them (an MPI communicator). `MPICommunicator` runs them over Open MPI; `SingleProcessCommunicator`
/// is the one-process case, where every collective is the identity.
///
/// Every process must call the same collectives in the same order. A call that gets no answer
/// within `timeout` seconds throws `DistributedError.timedOut` instead of waiting forever.
public protocol Communicator: AnyObject, Sendable {
    /// This process's index, in `0..<worldSize`.
    var rank: Int { get }
    /// The number of processes.
    var worldSize: Int { get }
    /// Seconds any one operation may wait for the other processes.
    var timeout: Double { get }

    /// Starts summing `buffer` over all processes, in place. The buffer must stay alive and
    /// untouched until `wait` returns for the handle; communication proceeds in the background.
    func startAllReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>, label: String) throws(DistributedError) -> PendingCommunication
    /// Waits until `operation` is complete.
    func wait(_ operation: PendingCommunication) throws(DistributedError)
    /// Sums `values` over all processes, in place.
    func allReduceSum(_ values: inout [Double], label: String) throws(DistributedError)
    /// Replaces `bytes` on every process with `root`'s (all must pass the same count).
    func broadcast(_ bytes: inout [UInt8], root: Int, label: String) throws(DistributedError)
    /// Replaces `values` on every process with `root`'s (all must pass the same count).
    func broadcast(_ values: inout [Float], root: Int, label: String) throws(DistributedError)
    /// Every process's `values` (all the same count), in rank order.
    func allGather(_ values: [Double], label: String) throws(DistributedError) -> [[Double]]
    /// Returns when every process has called it.
    func barrier(label: String) throws(DistributedError)
    /// Sends `values` to process `destination` (pipeline stages); returns when they are sent.
    func send(_ values: [Float], to destination: Int, tag: Int) throws(DistributedError)
    /// Receives `count` values from process `source` sent with `tag`.
    func receive(count: Int, from source: Int, tag: Int) throws(DistributedError) -> [Float]
    /// Sends `values` to `destination` with `sendTag` while receiving `count` values from `source`
    /// sent with `receiveTag`, both in flight at once (over MPI: non-blocking receives and sends,
    /// then one wait): two processes that send to each other in the same step (a 1F1B pipeline's
    /// neighbours) never wait on each other.
    func sendReceive(_ values: [Float], to destination: Int, sendTag: Int,
                     count: Int, from source: Int, receiveTag: Int) throws(DistributedError) -> [Float]
}

/// An operation started by a `Communicator` and not yet waited for.
public final class PendingCommunication: @unchecked Sendable {
    /// What it is, for error messages ("gradient bucket 2 of 3").
    public let label: String
    // Written by the communicator's thread under its lock, read under it.
    var isDone = false
    var failure: DistributedError?

    init(label: String, isDone: Bool = false) {
        self.label = label
        self.isDone = isDone
    }
}
