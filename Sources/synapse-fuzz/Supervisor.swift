import Foundation

/// Counts of one target's run.
struct FuzzSummary {
    var target: String
    var mutants = 0, rejected = 0, accepted = 0
    var corruptions: [(Int, String)] = []
    var crashes: [Int] = []
    var hangs: [Int] = []
    var seconds = 0.0

    /// The machine-readable summary line.
    var jsonLine: String {
        let fields: [String: Any] = [
            "fuzz": target, "mutants": mutants, "rejected": rejected, "accepted": accepted,
            "corruptions": corruptions.count, "crashes": crashes.count, "hangs": hangs.count,
            "seconds": (seconds * 100).rounded() / 100,
        ]
        let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    var failed: Bool { !corruptions.isEmpty || !crashes.isEmpty || !hangs.isEmpty }
}

/// Runs a target's mutants in child processes (`synapse-fuzz --worker`), restarting after a crash
/// and killing a child that makes no progress for `timeout` seconds (a hang).
struct Supervisor {
    let executable: URL
    let seed: UInt64
    let timeout: Double

    func run(target: String, count: Int, log: (String) -> Void) throws -> FuzzSummary {
        var summary = FuzzSummary(target: target)
        let started = Date()
        var next = 0
        while next < count {
            let child = try ChildRun(executable: executable, arguments: [
                "--worker", target, "--seed", String(seed), "--start", String(next), "--count", String(count - next),
            ])
            var current: Int?
            var finished = false
            var hung = false
            reading: while true {
                let event: String
                switch child.nextLine(timeout: timeout) {
                case .line(let line): event = line
                case .closed: break reading
                case .silent: hung = true; break reading
                }
                let parts = event.split(separator: " ", maxSplits: 2).map(String.init)
                guard let kind = parts.first else { continue }
                if kind == "DONE" { finished = true; break }
                guard parts.count >= 2, let i = Int(parts[1]) else { continue }
                switch kind {
                case "B": current = i
                case "R": summary.rejected += 1; summary.mutants += 1; next = i + 1; current = nil
                case "A": summary.accepted += 1; summary.mutants += 1; next = i + 1; current = nil
                case "C":
                    let why = parts.count > 2 ? parts[2] : ""
                    summary.corruptions.append((i, why)); summary.mutants += 1; next = i + 1; current = nil
                    log("\(target): mutant \(i) silently accepted corruption: \(why)")
                default: break
                }
            }
            if finished { child.wait(); break }
            child.terminate()
            let at = current ?? next
            if hung {
                summary.hangs.append(at)
                log("\(target): mutant \(at) hung (no answer in \(timeout) s)")
            } else {
                summary.crashes.append(at)
                log("\(target): mutant \(at) crashed the reader (exit \(child.exitDescription)): \(child.errorTail)")
            }
            summary.mutants += 1
            next = at + 1
        }
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }
}

/// What reading a child's output gave.
enum ChildEvent {
    /// One line of output.
    case line(String)
    /// The child closed its output (it exited).
    case closed
    /// The child said nothing for the whole timeout.
    case silent
}

/// A worker child whose standard output is read line by line with a timeout; its standard error is
/// kept (the last few hundred bytes) to explain a crash.
final class ChildRun: @unchecked Sendable {
    private let process = Process()
    private let output = Pipe()
    private let errors = Pipe()
    private let condition = NSCondition()
    private var lines: [String] = []
    private var closed = false
    private var buffer = Data()
    private var stderrTail = Data()

    init(executable: URL, arguments: [String]) throws {
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"   // a crash is expected here; no 1 s backtrace each
        process.environment = environment
        process.standardOutput = output
        process.standardError = errors
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in self?.received(handle.availableData) }
        errors.fileHandleForReading.readabilityHandler = { [weak self] handle in self?.receivedError(handle.availableData) }
        try process.run()
    }

    private func received(_ data: Data) {
        condition.lock()
        defer { condition.broadcast(); condition.unlock() }
        if data.isEmpty { closed = true; output.fileHandleForReading.readabilityHandler = nil; return }
        buffer.append(data)
        while let newline = buffer.firstIndex(of: 0x0A) {
            lines.append(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
            buffer.removeSubrange(buffer.startIndex...newline)
        }
    }

    private func receivedError(_ data: Data) {
        condition.lock()
        defer { condition.unlock() }
        if data.isEmpty { errors.fileHandleForReading.readabilityHandler = nil; return }
        stderrTail.append(data)
        if stderrTail.count > 600 { stderrTail = stderrTail.suffix(600) }
    }

    /// The next line, or why there is none.
    func nextLine(timeout: Double) -> ChildEvent {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while lines.isEmpty && !closed {
            if !condition.wait(until: deadline) { break }
        }
        if !lines.isEmpty { return .line(lines.removeFirst()) }
        return closed ? .closed : .silent
    }

    /// The end of what the child wrote to standard error, on one line.
    var errorTail: String {
        condition.lock()
        defer { condition.unlock() }
        return String(decoding: stderrTail, as: UTF8.self).split(whereSeparator: \.isNewline).suffix(3).joined(separator: " | ")
    }

    func terminate() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    func wait() { process.waitUntilExit() }

    var exitDescription: String {
        process.terminationReason == .uncaughtSignal ? "signal \(process.terminationStatus)" : "status \(process.terminationStatus)"
    }
}
