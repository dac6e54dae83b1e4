import Foundation
import Testing

/// A task executor with threads of its own, for the serving tests.
///
/// Swift Testing runs every test on the cooperative pool, which has one thread per core. On a
/// 2-core machine, two long synchronous tests elsewhere in the run (a training, an ONNX Runtime
/// comparison) take the whole pool for seconds: a server test's handlers and its client then wait
/// that long for a thread, and its time limits fail for reasons that have nothing to do with the
/// server. With `.onOwnThreads`, a test and every task it starts (the server, its connections, the
/// requests) run on these threads instead; the operating system still shares the cores fairly.
final class DedicatedThreadsExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: `jobs` is only touched under `condition`.
    /// The executor the serving tests share.
    static let shared = DedicatedThreadsExecutor(threads: 4)

    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    private init(threads: Int) {
        for index in 0..<threads {
            let thread = Thread { [self] in run() }
            thread.name = "test-exec-\(index)"
            thread.start()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.withLock {
            jobs.append(job)
            condition.signal()
        }
    }

    private func run() {
        while true {
            let job: UnownedJob = condition.withLock {
                while jobs.isEmpty { condition.wait() }
                return jobs.removeFirst()
            }
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// Runs a test (or each test of a suite) and the tasks it starts on `DedicatedThreadsExecutor`.
struct OnOwnThreadsTrait: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        guard testCase != nil else { return try await function() }
        try await withTaskExecutorPreference(DedicatedThreadsExecutor.shared) { try await function() }
    }
}

extension Trait where Self == OnOwnThreadsTrait {
    /// Runs on threads of its own, not on the cooperative pool (see `DedicatedThreadsExecutor`).
    static var onOwnThreads: Self { OnOwnThreadsTrait() }
}
