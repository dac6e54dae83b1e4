import Foundation
import SynapseCore

/// Something with a deadline that the sweeper can expire.
protocol ExpiringAnswer: AnyObject, Sendable {
    /// True once it was answered (the sweeper then just forgets it).
    var isCompleted: Bool { get }
    /// Fails it with a timeout; ignored when it was answered meanwhile.
    func expire()
}

/// One thread that expires answers past their deadline, for every request of the process.
///
/// Requests register when they start waiting and are forgotten when answered, so the set holds only
/// requests in flight (at most the queue limits). The thread looks at the set every
/// `granularity` seconds while it is not empty and sleeps otherwise: a timeout fires at most that
/// late, which is nothing against timeouts of a second or more.
final class DeadlineSweeper: @unchecked Sendable {
    // @unchecked: `waiting` is only touched under `condition`.
    /// The process's sweeper.
    static let shared = DeadlineSweeper(granularity: 0.005)

    private struct Entry {
        var deadline: UInt64
        var answer: any ExpiringAnswer
    }

    private let condition = NSCondition()
    private var waiting: [ObjectIdentifier: Entry] = [:]
    private let granularity: Double

    private init(granularity: Double) {
        self.granularity = granularity
        let thread = Thread { [self] in
            ThreadPool.nameCallingThread("serve-deadlines")
            self.sweep()
        }
        thread.start()
    }

    /// Expires `answer` `seconds` from now unless it is answered first.
    func watch(_ answer: some ExpiringAnswer, seconds: Double) {
        let nanoseconds = UInt64(max(0, min(seconds, 1e9)) * 1e9)
        let entry = Entry(deadline: DispatchTime.now().uptimeNanoseconds &+ nanoseconds, answer: answer)
        condition.withLock {
            let wasEmpty = waiting.isEmpty
            waiting[ObjectIdentifier(answer)] = entry
            if wasEmpty { condition.signal() }
        }
    }

    /// Stops watching `answer` (it was answered).
    func forget(_ answer: some ExpiringAnswer) {
        condition.withLock { _ = waiting.removeValue(forKey: ObjectIdentifier(answer)) }
    }

    private func sweep() {
        while true {
            var expired: [any ExpiringAnswer] = []
            condition.withLock {
                while waiting.isEmpty { condition.wait() }
                _ = condition.wait(until: Date(timeIntervalSinceNow: granularity))
                let now = DispatchTime.now().uptimeNanoseconds
                for (key, entry) in waiting where entry.deadline <= now || entry.answer.isCompleted {
                    waiting.removeValue(forKey: key)
                    if entry.deadline <= now { expired.append(entry.answer) }
                }
            }
            // Outside the lock: expiring resumes a continuation and forgets (which takes the lock).
            for answer in expired { answer.expire() }
        }
    }
}
