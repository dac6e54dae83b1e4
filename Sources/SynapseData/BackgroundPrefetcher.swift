import Foundation
import SynapseCore
import Synchronization

/// Produces a sequence of elements on a background thread, at most `depth` ahead of the consumer,
/// so that preparing the next element (loading, gathering, augmenting a batch) overlaps with using
/// the current one.
///
/// Elements arrive in exactly the order they were produced: `produce(0)`, `produce(1)`, … until it
/// returns nil or throws; a thrown error reaches the consumer's `next()` after the elements
/// produced before it. The producer thread stops when the sequence ends, when `cancel()` is
/// called, or when the prefetcher is released (breaking out of a loop early), and `cancel()` (and
/// so deinit) waits for the thread to finish, so nothing keeps running in the background.
/// It is meant for one consumer: `next()` is safe to call from any thread, but not from two at once.
public final class BackgroundPrefetcher<Element: Sendable, Failure: Error>: Sendable {
    /// How many produced elements may wait for the consumer.
    public let depth: Int
    private let channel: Channel

    /// Starts a thread that calls `produce(0)`, `produce(1)`, … ahead of the consumer.
    /// - Parameter depth: elements produced ahead, at least 1.
    public init(depth: Int, produce: @escaping @Sendable (_ index: Int) throws(Failure) -> Element?) {
        require(depth >= 1, "BackgroundPrefetcher: depth must be at least 1, got \(depth)")
        self.depth = depth
        let channel = Channel()
        self.channel = channel
        for _ in 0..<depth { channel.slots.signal() }
        // The thread holds only the channel, never `self`, so dropping the prefetcher runs deinit.
        let thread = Thread {
            var index = 0
            while true {
                channel.slots.wait()
                if channel.state.withLock({ $0.cancelled }) { break }
                let result = Result<Element?, Failure> { () throws(Failure) -> Element? in try produce(index) }
                index += 1
                let ended = channel.state.withLock { s -> Bool in
                    switch result {
                    case .success(let element?): s.queue.append(element); return false
                    case .success(nil): s.ended = true; return true
                    case .failure(let error): s.failure = error; s.ended = true; return true
                    }
                }
                channel.items.signal()
                if ended { break }
            }
            channel.exited.signal()
        }
        thread.name = "synapse.prefetch"
        thread.start()
    }

    deinit { cancel() }

    /// The next element, waiting for the producer if it is not ready; nil at the end (and after
    /// an error has been thrown once).
    /// - Throws: the error `produce` threw, after every element produced before it.
    public func next() throws(Failure) -> Element? {
        if channel.state.withLock({ $0.consumerFinished }) { return nil }
        channel.items.wait()
        let taken = channel.state.withLock { s -> Result<Element?, Failure> in
            if s.head < s.queue.count {
                let element = s.queue[s.head]
                s.head += 1
                // Drop consumed elements now and then instead of shifting the array on every take.
                if s.head >= 64 && s.head * 2 >= s.queue.count {
                    s.queue.removeFirst(s.head)
                    s.head = 0
                }
                return .success(element)
            }
            s.consumerFinished = true
            if let error = s.failure { return .failure(error) }
            return .success(nil)
        }
        if case .success(.some) = taken { channel.slots.signal() }
        return try taken.get()
    }

    /// Stops the producer and waits for its thread to exit (after the element it is producing, if
    /// any). Elements not yet consumed are discarded. Calling it again does nothing.
    public func cancel() {
        let first = channel.state.withLock { s -> Bool in
            defer { s.cancelled = true; s.consumerFinished = true }
            return !s.cancelled
        }
        guard first else { return }
        channel.slots.signal()   // wakes a producer waiting for a free slot
        channel.exited.wait()
    }

    /// What the producer thread and the consumer share.
    private final class Channel: Sendable {
        struct State {
            var queue: [Element] = []
            var head = 0
            var ended = false
            var failure: Failure?
            var cancelled = false
            var consumerFinished = false
        }
        let state = Mutex(State())
        // Semaphores start at 0 and are only signalled up: libdispatch refuses to free a semaphore
        // whose count is below its initial value.
        /// Free places in the queue.
        let slots = DispatchSemaphore(value: 0)
        /// Produced elements (and the end or error) ready for the consumer.
        let items = DispatchSemaphore(value: 0)
        /// Signalled once when the producer thread returns.
        let exited = DispatchSemaphore(value: 0)
    }
}
