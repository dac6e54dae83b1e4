import ArgumentParser
import Foundation

/// `synapse-fuzz`: mutation testing of every reader of external files.
@main
struct SynapseFuzz: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synapse-fuzz",
        abstract: "Mutation-fuzz Synapse's file readers: 0 crashes, 0 hangs, 0 silently accepted corruptions.",
        discussion: """
        Each target mutates real files (truncation, bit flips, boundary integers in length fields, hostile \
        numbers in text, inserted, deleted and duplicated ranges) and reads every mutant as a user's file \
        would be read. Mutants run in child processes: a crash or a hang is counted at the mutant that \
        caused it and the run goes on. Prints one JSON line per target, e.g.
          {"fuzz": "safetensors", "mutants": 10000, "rejected": 9412, "accepted": 588, "corruptions": 0, "crashes": 0, "hangs": 0, ...}
        and exits non-zero if any target had a crash, a hang or an accepted corruption.
        Reproduce one mutant with: synapse-fuzz TARGET --seed S --write-mutant INDEX --output FILE
        """
    )

    @Argument(help: "Targets to run (default: all). --list names them.")
    var targets: [String] = []

    @Option(help: "Mutants per target.")
    var count = 10_000

    @Option(help: "Run seed: the same seed gives the same mutants on every machine.")
    var seed: UInt64 = 1

    @Option(help: "Seconds without progress before a mutant counts as a hang.")
    var timeout = 10.0

    @Flag(help: "List the targets and exit.")
    var list = false

    @Option(name: .customLong("write-mutant"), help: "Write mutant INDEX of the (single) target to --output and exit.")
    var writeMutant: Int?

    @Option(help: "Where --write-mutant writes the file.")
    var output: String?

    @Option(name: .customLong("worker"), help: .hidden)
    var worker: String?

    @Option(help: .hidden)
    var start = 0

    func run() throws {
        if list {
            for target in allTargets { print(target.name) }
            return
        }
        if let worker {
            try Worker.run(target: try lookup(worker), seed: seed, range: start..<(start + count))
            return
        }
        let chosen = try targets.isEmpty ? allTargets : targets.map(lookup)
        if let index = writeMutant {
            guard chosen.count == 1, let output else { throw ValidationError("--write-mutant needs one target and --output") }
            let seeds = try chosen[0].seeds()
            let mutant = Mutator.mutate(seeds[index % seeds.count], seed: seed, index: index)
            try Data(mutant).write(to: URL(fileURLWithPath: output))
            return
        }
        let supervisor = Supervisor(executable: URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.resolvingSymlinksInPath(), seed: seed, timeout: timeout)
        var failed = false
        for target in chosen {
            let summary = try supervisor.run(target: target.name, count: count) { message in
                FileHandle.standardError.write(Data((message + "\n").utf8))
            }
            print(summary.jsonLine)
            failed = failed || summary.failed
        }
        if failed { throw ExitCode(1) }
    }

    private func lookup(_ name: String) throws -> any FuzzTarget {
        guard let target = allTargets.first(where: { $0.name == name }) else {
            throw ValidationError("unknown fuzz target '\(name)'; known: \(allTargets.map(\.name).joined(separator: ", "))")
        }
        return target
    }
}
