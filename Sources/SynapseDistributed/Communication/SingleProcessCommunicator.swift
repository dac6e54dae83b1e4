/// The communicator of a job with one process: every collective leaves the data as it is, so
/// `DistributedDataParallel` over it trains exactly as the plain model (a test and fallback path).
public final class SingleProcessCommunicator: Communicator {
    /// Always 0.
    public let rank = 0
    /// Always 1.
    public let worldSize = 1
    /// Unused: nothing waits.
    public let timeout = 0.0

    /// The one-process communicator.
    public init() {}

    /// Nothing to sum: returns a completed operation.
    public func startAllReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>, label: String) throws(DistributedError) -> PendingCommunication {
        PendingCommunication(label: label, isDone: true)
    }
    /// Returns at once.
    public func wait(_ operation: PendingCommunication) throws(DistributedError) {}
    /// Leaves `values` as they are.
    public func allReduceSum(_ values: inout [Double], label: String) throws(DistributedError) {}
    /// Leaves `bytes` as they are (`root` must be 0).
    public func broadcast(_ bytes: inout [UInt8], root: Int, label: String) throws(DistributedError) {
        try Self.checkRank(root, label)
    }
    /// Leaves `values` as they are (`root` must be 0).
    public func broadcast(_ values: inout [Float], root: Int, label: String) throws(DistributedError) {
        try Self.checkRank(root, label)
    }
    /// `[values]`.
    public func allGather(_ values: [Double], label: String) throws(DistributedError) -> [[Double]] { [values] }
    /// Returns at once.
    public func barrier(label: String) throws(DistributedError) {}
    /// A single process has no peer to send to.
    public func send(_ values: [Float], to destination: Int, tag: Int) throws(DistributedError) {
        throw .unsupported(reason: "send to rank \(destination): a single process has no peers")
    }
    /// A single process has no peer to receive from.
    public func receive(count: Int, from source: Int, tag: Int) throws(DistributedError) -> [Float] {
        throw .unsupported(reason: "receive from rank \(source): a single process has no peers")
    }

    /// A single process has no peer to exchange with.
    public func sendReceive(_ values: [Float], to destination: Int, sendTag: Int,
                            count: Int, from source: Int, receiveTag: Int) throws(DistributedError) -> [Float] {
        throw .unsupported(reason: "exchange with rank \(destination): a single process has no peers")
    }

    private static func checkRank(_ root: Int, _ label: String) throws(DistributedError) {
        guard root == 0 else { throw .unsupported(reason: "\(label) from rank \(root): a single process has only rank 0") }
    }
}
