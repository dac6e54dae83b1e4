import Foundation
@testable import SynapseDistributed

/// Processes of a data-parallel job simulated by threads of one test: every collective is a
/// rendezvous of all members' contributions (in rank order, summed in Double as MPI's two-process
/// sum rounds), so `DistributedDataParallel` and the trainer run their real code paths without MPI.
final class InProcessGroup: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    private var deposits: [Int: [Int: [Double]]] = [:]
    private var reads: [Int: Int] = [:]

    // Point-to-point messages not yet received, per (source, destination, tag), oldest first, with
    // their numbers; the numbers of those received.
    private var mailboxes: [[Int]: [(number: Int, values: [Float])]] = [:]
    private var taken = Set<Int>()
    /// Messages sent so far (every member's `send` calls).
    private(set) var messagesSent = 0

    init(size: Int) { self.size = size }

    /// Leaves a message for `destination`; returns its number (see `waitUntilTaken`).
    func post(_ values: [Float], from source: Int, to destination: Int, tag: Int) -> Int {
        condition.lock()
        defer { condition.unlock() }
        messagesSent += 1
        mailboxes[[source, destination, tag], default: []].append((messagesSent, values))
        condition.broadcast()
        return messagesSent
    }

    /// Waits until message `number` was received (false after `timeout` seconds): a send that
    /// returns only then waits for its receiver as MPI's rendezvous sends of large messages do, so
    /// a schedule whose sends wait on each other deadlocks here as it would over MPI.
    func waitUntilTaken(_ number: Int, timeout: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while !taken.contains(number) {
            if !condition.wait(until: deadline) && !taken.contains(number) { return false }
        }
        taken.remove(number)
        return true
    }

    /// The oldest message from `source` to `destination` with `tag` (nil after `timeout` seconds).
    func take(from source: Int, to destination: Int, tag: Int, timeout: Double) -> [Float]? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        let key = [source, destination, tag]
        condition.lock()
        defer { condition.unlock() }
        while mailboxes[key, default: []].isEmpty {
            if !condition.wait(until: deadline) && mailboxes[key, default: []].isEmpty { return nil }
        }
        let message = mailboxes[key]!.removeFirst()
        taken.insert(message.number)
        condition.broadcast()
        return message.values
    }

    /// The communicators of ranks 0..<size.
    func members(timeout: Double = 30) -> [InProcessCommunicator] {
        (0..<size).map { InProcessCommunicator(group: self, rank: $0, timeout: timeout) }
    }

    func deposit(_ values: [Double], sequence: Int, rank: Int) {
        condition.lock()
        deposits[sequence, default: [:]][rank] = values
        condition.broadcast()
        condition.unlock()
    }

    /// Every member's deposit for `sequence`, once all have made it (nil after `timeout` seconds).
    func collect(sequence: Int, timeout: Double) -> [[Double]]? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while (deposits[sequence]?.count ?? 0) < size {
            if !condition.wait(until: deadline) && (deposits[sequence]?.count ?? 0) < size { return nil }
        }
        let all = (0..<size).map { deposits[sequence]![$0]! }
        reads[sequence, default: 0] += 1
        if reads[sequence] == size {
            deposits[sequence] = nil
            reads[sequence] = nil
        }
        return all
    }
}

final class InProcessCommunicator: Communicator, @unchecked Sendable {
    let group: InProcessGroup
    let rank: Int
    var worldSize: Int { group.size }
    let timeout: Double
    private var sequence = 0
    /// Gradient reductions started (`startAllReduceSum` calls).
    private(set) var reductions = 0
    /// Broadcasts made (either `broadcast`).
    private(set) var broadcasts = 0
    private var pending: [ObjectIdentifier: (sequence: Int, buffer: UnsafeMutableBufferPointer<Float>)] = [:]

    init(group: InProcessGroup, rank: Int, timeout: Double) {
        self.group = group
        self.rank = rank
        self.timeout = timeout
    }

    private func next() -> Int {
        defer { sequence += 1 }
        return sequence
    }

    private func exchange(_ values: [Double], label: String) throws(DistributedError) -> [[Double]] {
        let s = next()
        group.deposit(values, sequence: s, rank: rank)
        guard let all = group.collect(sequence: s, timeout: timeout) else {
            throw .timedOut(operation: label, seconds: timeout, rank: rank)
        }
        return all
    }

    func startAllReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>, label: String) throws(DistributedError) -> PendingCommunication {
        let s = next()
        reductions += 1
        group.deposit(buffer.map(Double.init), sequence: s, rank: rank)
        let operation = PendingCommunication(label: label)
        pending[ObjectIdentifier(operation)] = (s, buffer)
        return operation
    }

    func wait(_ operation: PendingCommunication) throws(DistributedError) {
        guard let (s, buffer) = pending.removeValue(forKey: ObjectIdentifier(operation)) else { return }
        guard let all = group.collect(sequence: s, timeout: timeout) else {
            throw .timedOut(operation: operation.label, seconds: timeout, rank: rank)
        }
        for i in 0..<buffer.count { buffer[i] = Float(all.reduce(0) { $0 + $1[i] }) }
    }

    func allReduceSum(_ values: inout [Double], label: String) throws(DistributedError) {
        let all = try exchange(values, label: label)
        values = values.indices.map { i in all.reduce(0) { $0 + $1[i] } }
    }

    func broadcast(_ bytes: inout [UInt8], root: Int, label: String) throws(DistributedError) {
        broadcasts += 1
        bytes = try exchange(bytes.map(Double.init), label: label)[root].map { UInt8($0) }
    }

    func broadcast(_ values: inout [Float], root: Int, label: String) throws(DistributedError) {
        broadcasts += 1
        values = try exchange(values.map(Double.init), label: label)[root].map(Float.init)
    }

    func allGather(_ values: [Double], label: String) throws(DistributedError) -> [[Double]] {
        try exchange(values, label: label)
    }

    func barrier(label: String) throws(DistributedError) { _ = try exchange([], label: label) }

    // Sends return once the message was received (MPI's rendezvous for large messages); receives
    // wait for the messages in order.
    func send(_ values: [Float], to destination: Int, tag: Int) throws(DistributedError) {
        let number = group.post(values, from: rank, to: destination, tag: tag)
        guard group.waitUntilTaken(number, timeout: timeout) else {
            throw .timedOut(operation: "the send of \(values.count) values to rank \(destination)", seconds: timeout, rank: rank)
        }
    }

    func sendReceive(_ values: [Float], to destination: Int, sendTag: Int,
                     count: Int, from source: Int, receiveTag: Int) throws(DistributedError) -> [Float] {
        // Both in flight at once: the message is left, the peer's taken, then this one waited for.
        let number = group.post(values, from: rank, to: destination, tag: sendTag)
        let received = try receive(count: count, from: source, tag: receiveTag)
        guard group.waitUntilTaken(number, timeout: timeout) else {
            throw .timedOut(operation: "the send of \(values.count) values to rank \(destination)", seconds: timeout, rank: rank)
        }
        return received
    }

    func receive(count: Int, from source: Int, tag: Int) throws(DistributedError) -> [Float] {
        guard let values = group.take(from: source, to: rank, tag: tag, timeout: timeout) else {
            throw .timedOut(operation: "the receipt of \(count) values from rank \(source)", seconds: timeout, rank: rank)
        }
        guard values.count == count else {
            throw .mpi(operation: "receive", code: 15, message: "expected \(count) values from rank \(source), got \(values.count)")
        }
        return values
    }
}

/// Runs `body(rank)` on `count` threads of their own, all at once (a rendezvous needs every member
/// running), and returns each rank's result.
func onThreads<R>(_ count: Int, _ body: @escaping @Sendable (Int) throws -> R) -> [Result<R, any Error>] {
    let results = UnsafeMutableBufferPointer<Result<R, any Error>?>.allocate(capacity: count)
    results.initialize(repeating: nil)
    defer { results.deallocate() }
    let box = UncheckedBox(results)
    let finished = DispatchSemaphore(value: 0)
    for rank in 0..<count {
        let thread = Thread {
            box.value[rank] = Result { try body(rank) }
            finished.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
    for _ in 0..<count { finished.wait() }
    return results.map { $0! }
}

struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
