import Foundation

/// Runs `body(i)` for each `i` in `0..<count`, each on an operating-system thread of its own, all
/// released together; returns when every one has finished.
///
/// `DispatchQueue.concurrentPerform` is not enough for a test that must see work overlap: it hands
/// iterations to the global queue's worker threads (one per core) and runs the rest on the calling
/// thread. When the other tests of a parallel run hold those workers — on a 2-core machine two long
/// synchronous tests do — every iteration runs on the calling thread, one after another. Threads of
/// our own are scheduled by the operating system whatever the rest of the run is doing.
public func onOwnThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let gate = NSCondition(), finished = DispatchGroup()
    nonisolated(unsafe) var released = false  // read and written under `gate` only
    for index in 0..<count {
        finished.enter()
        let thread = Thread {
            gate.withLock { while !released { gate.wait() } }
            body(index)
            finished.leave()
        }
        thread.start()
    }
    gate.withLock {
        released = true
        gate.broadcast()
    }
    finished.wait()
}
