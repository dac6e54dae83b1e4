import Foundation

/// Runs mutants `start..<end` of one target in this process, writing one line per event to standard
/// output so the parent can tell which mutant a crash or hang happened on:
/// `B i` before mutant i, then `R i` (rejected), `A i` (accepted) or `C i reason` (corruption accepted).
enum Worker {
    static func run(target: any FuzzTarget, seed: UInt64, range: Range<Int>) throws {
        let seeds = try target.seeds()
        guard !seeds.isEmpty else { throw FuzzError("target \(target.name) has no seed files") }
        for i in range {
            let original = seeds[i % seeds.count]
            let mutant = Mutator.mutate(original, seed: seed, index: i)
            emit("B \(i)")
            switch target.check(mutant, original: original) {
            case .rejected: emit("R \(i)")
            case .accepted: emit("A \(i)")
            case .corruptionAccepted(let why): emit("C \(i) \(why.replacingOccurrences(of: "\n", with: " "))")
            }
        }
        emit("DONE")
    }

    private static func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

/// A misuse of the harness itself (unknown target, no seeds).
struct FuzzError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
