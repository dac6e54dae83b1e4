import Foundation
import Glibc

/// The competing busy process of the contention workload (W7): a child of this executable that pins
/// itself to one CPU and spins there, as a compiler or another training job would. It stops when
/// the parent kills it, and on its own after a time limit, so it can never outlive a crashed run.
final class Competitor {
    private let process = Process()
    /// The CPU the competitor spins on.
    let cpu: Int

    /// Starts the competitor on `cpu`, to stop by itself after `limit` seconds at the latest.
    init(cpu: Int, limit: Double) throws {
        self.cpu = cpu
        process.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        process.arguments = ["--busy-loop", String(cpu), "--busy-seconds", String(limit)]
        try process.run()
        // Let it pin itself and reach the loop before anything is measured.
        Thread.sleep(forTimeInterval: 0.2)
        guard process.isRunning else { throw BenchError("the competing busy process exited at once (status \(process.terminationStatus))") }
    }

    /// Stops the competitor and waits for it.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// The competitor's body: pin to `cpu`, then spin until `seconds` have passed.
    static func spin(cpu: Int, seconds: Double) throws -> Never {
        try Affinity.pin(to: cpu)
        let deadline = Timing.now() + seconds
        var x: UInt64 = 1
        while Timing.now() < deadline {
            for _ in 0..<100_000 { x = x &* 6364136223846793005 &+ 1442695040888963407 }
        }
        exit(x == 42 ? 1 : 0)
    }
}
