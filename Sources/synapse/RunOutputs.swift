import Foundation
import Synapse

/// The files of one `synapse train` run: its own directory (config.json, train.log, report.json,
/// and by default the history and logs and the weights), chosen and checked before training.
final class RunOutputs {
    /// The run directory (absolute).
    let directory: URL
    /// The weights file (absolute): `--output`, or `weights.safetensors` in the run directory.
    let weights: URL
    /// Where the history and logs go: `--log-dir`, or the run directory.
    let logDirectory: URL
    private let logFile: FileHandle?

    /// Names of the files a run writes into its directory (besides the logs and weights).
    static let runFiles = ["config.json", "train.log", "report.json", ModelCardJob.markdownName, ModelCardJob.jsonName]
    /// Names of the history and log files (those `HistoryLogger`, `TrainingCurvesPlot` write).
    static let logFiles = ["history.jsonl", "history.csv", "loss.svg", "metrics.svg"]

    private init(directory: URL, weights: URL, logDirectory: URL) throws {
        self.directory = directory
        self.weights = weights
        self.logDirectory = logDirectory
        let log = directory.appendingPathComponent("train.log")
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
            throw OutputPathError("cannot create \(log.path)")
        }
        logFile = try FileHandle(forWritingTo: log)
    }

    deinit { try? logFile?.close() }

    /// Checks every output path of `command`'s run and creates its run directory. `companions`
    /// maps the weights to files written beside them (the tabular preprocessing state);
    /// `checkpointDirectory` only has its stale temporary files cleaned (checkpoints roll by design).
    static func prepare(command c: TrainCommand, companions extraCompanions: @escaping (URL) -> [URL] = { _ in [] },
                        checkpointDirectory: URL? = nil) throws -> RunOutputs {
        // Every run that trains a servable model writes its training-data profile beside the weights.
        let companions = { (weights: URL) in extraCompanions(weights) + [TrainingDataProfile.url(forWeights: weights)] }
        let output = c.output.map { URL(fileURLWithPath: $0).standardizedFileURL }
        // The explicit weights path first: a refusal must not leave an empty run directory behind.
        if let output {
            for url in [output] + companions(output) { try OutputPaths.checkReplaceable(url, overwrite: c.overwrite, flag: "--output") }
        }
        let directory: URL
        if let runDir = c.runDir {
            directory = URL(fileURLWithPath: runDir).standardizedFileURL
            try OutputPaths.makeWritableDirectory(directory, flag: "--run-dir")
        } else {
            let base = output?.deletingLastPathComponent() ?? URL(fileURLWithPath: "runs").standardizedFileURL
            directory = try OutputPaths.newRunDirectory(in: base, prefix: "\(c.ownData.runName ?? c.dataset.rawValue)-\(c.model.rawValue)"
                                                         + (c.model.isPretrainedEncoder ? "-\(c.fineTune.recipe.rawValue)" : ""))
        }
        let weights = output ?? directory.appendingPathComponent("weights.safetensors")
        let logDirectory = c.pipeline.logDir.map { URL(fileURLWithPath: $0).standardizedFileURL } ?? directory
        var checked = runFiles.map { directory.appendingPathComponent($0) }
        if output == nil { checked += [weights] + companions(weights) }
        if c.pipeline.logDir == nil { checked += logFiles.map { directory.appendingPathComponent($0) } }
        for url in checked { try OutputPaths.checkReplaceable(url, overwrite: c.overwrite, flag: "--run-dir") }
        if c.pipeline.logDir != nil { try OutputPaths.makeWritableDirectory(logDirectory, flag: "--log-dir") }

        var written = checked + [weights] + companions(weights) + logFiles.map { logDirectory.appendingPathComponent($0) }
        if let checkpointDirectory {
            written += ["last.safetensors", "best.safetensors"].map { checkpointDirectory.appendingPathComponent($0) }
        }
        let removed = OutputPaths.removeStaleTemporaries(of: written)
        let run = try RunOutputs(directory: directory, weights: weights, logDirectory: logDirectory)
        for path in removed { run.say("removed the stale temporary file \(path) (left by an interrupted run)") }
        run.say("run directory: \(directory.path)")
        return run
    }

    /// Prints `line` and appends it to train.log.
    func say(_ line: String) {
        print(line)
        fflush(nil)   // progress lines appear live when piped
        try? logFile?.write(contentsOf: Data((line + "\n").utf8))
    }

    /// Writes config.json: the run's resolved options, keyed by flag name.
    func writeConfig(_ options: [String: Any]) throws {
        let json = try JSONSerialization.data(withJSONObject: options, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try AtomicFile.write(json + Data("\n".utf8), to: directory.appendingPathComponent("config.json"))
    }

    /// Adds `run_dir` and `weights` to the run's figures, writes them to report.json and prints them
    /// as the final JSON line.
    func finish(_ figures: [String: Any]) throws {
        var result = figures
        result["run_dir"] = directory.path
        result["weights"] = weights.path
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys, .withoutEscapingSlashes])
        try AtomicFile.write(json + Data("\n".utf8), to: directory.appendingPathComponent("report.json"))
        // The model card, before the final JSON line (which stays the last line printed). A card
        // that cannot be written costs the run nothing it already saved: say so and go on.
        do {
            let card = try ModelCardJob(runDirectory: directory, toolVersion: SynapseVersion.current, log: { self.say($0) }).run()
            say("wrote the model card \(directory.appendingPathComponent(ModelCardJob.markdownName).path)"
                + (card.slicings.first?.worst.map { " (worst slice by \(card.slicings[0].name): \($0))" } ?? ""))
        } catch {
            say("could not write the model card: \(error)")
        }
        say(String(decoding: json, as: UTF8.self))
    }
}

extension TrainCommand {
    /// The options every run records in config.json, keyed like the flags (so the file can be
    /// given back to `--config`), merged with the run kind's resolved ones.
    func resolvedOptions(_ specific: [String: Any]) -> [String: Any] {
        // Through the shortest decimal text, so 1e-3 is recorded as 0.001, not 0.0010000000474974513.
        var options: [String: Any] = ["model": model.rawValue, "lr": Self.shortest(lr), "seed": seed]
        // A CSV or image-folder run records its own data flags instead of a dataset.
        if ownData.csv == nil && ownData.images == nil { options["dataset"] = dataset.rawValue }
        options.merge(ownData.resolved) { _, new in new }
        if let threads { options["threads"] = threads }
        if noProgress { options["no-progress"] = true }
        if detectAnomaly { options["detect-anomaly"] = true }
        if let intendedUse { options["intended-use"] = intendedUse }
        return options.merging(specific) { _, new in new }
    }

    /// `value` through its shortest decimal text (1e-3 recorded as 0.001, not 0.0010000000474974513).
    static func shortest(_ value: Double) -> Double { Double(String(value)) ?? value }
}
