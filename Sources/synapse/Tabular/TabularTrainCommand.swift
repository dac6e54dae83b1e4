import ArgumentParser
import Foundation
import Synapse

extension TrainCommand {
    /// Trains on a tabular or time-series dataset through `TabularTrainingJob` and prints the test
    /// metrics, ending with one JSON line.
    func runTabular(_ benchmark: TabularBenchmark) throws {
        guard model == .mlp else { throw ValidationError("--dataset \(benchmark.rawValue) trains an MLP: use --model mlp (not \(model.rawValue))") }
        // The weights path is not a hyperparameter: a placeholder until the run directory is chosen.
        try runTabular(TabularTrainingOptions(benchmark: benchmark, output: URL(fileURLWithPath: "weights.safetensors")))
    }

    /// Fills `options` (a built-in dataset or a CSV file) from the flags and runs the tabular job.
    func runTabular(_ initial: TabularTrainingOptions) throws {
        var options = initial
        let checkpointDirectory = pipeline.checkpointDir.map { URL(fileURLWithPath: $0).standardizedFileURL }
        options.epochs = epochs
        options.batchSize = batchSize ?? 32
        options.learningRate = lr
        options.seed = seed
        options.hiddenSizes = try pipeline.hiddenSizes()
        options.patience = pipeline.patience ?? options.patience
        options.monitor = pipeline.monitor ?? options.monitor
        options.schedule = try pipeline.schedule()
        options.clipNorm = pipeline.clipNorm
        options.window = pipeline.window ?? options.window
        options.checkpointDirectory = checkpointDirectory
        options.checkpointEvery = pipeline.checkpointEvery
        options.resume = pipeline.resume.map { URL(fileURLWithPath: $0) }
        options.force = pipeline.force
        options.precision = pipeline.precision?.precision ?? .float32
        options.showProgress = false
        // A refused --resume (other hyperparameters, unreadable file) must not leave a run directory behind.
        try options.validate()
        let check = TabularTrainingJob(options: options, log: { _ in })
        // A CSV file is read and checked (columns, label, cells, split) before the run directory is made.
        if options.benchmark == nil { _ = try check.loadData() }
        try check.validateResume()
        let run = try RunOutputs.prepare(command: self, companions: { [TabularTrainingOptions.preprocessingURL(forWeights: $0)] },
                                         checkpointDirectory: checkpointDirectory)
        options.output = run.weights
        var config: [String: Any] = [
            "epochs": options.effectiveEpochs, "batch-size": options.batchSize,
            "hidden": options.hiddenSizes, "patience": options.patience, "lr-schedule": options.schedule.rawValue,
        ]
        // Recorded only with early stopping: config.json holds no paths (so no --checkpoint-dir), and
        // `--config` refuses a --monitor that nothing watches.
        if options.patience > 0 { config["monitor"] = options.monitor }
        if let clipNorm = options.clipNorm { config["clip-norm"] = clipNorm }
        if options.precision != .float32 { config["precision"] = PrecisionName(options.precision).rawValue }
        if options.benchmark?.task == .forecasting { config["window"] = options.window }
        try run.writeConfig(resolvedOptions(config))
        options.logDirectory = run.logDirectory
        let start = Date()
        let result = try TabularTrainingJob(options: options, log: run.say).run()
        var json: [String: Any] = result.testMetrics.mapValues { ($0 * 10_000).rounded() / 10_000 }
        json["epochs"] = result.history.records.count
        json["best_epoch"] = result.bestEpoch
        json["seconds"] = (Date().timeIntervalSince(start) * 100).rounded() / 100
        try run.finish(json)
    }
}

extension DatasetName {
    /// The tabular benchmark this name selects, or nil for image datasets.
    var tabularBenchmark: TabularBenchmark? { TabularBenchmark(rawValue: rawValue) }

    /// True for the tabular and time-series datasets (trained through `TabularTrainingJob`).
    var isTabular: Bool { tabularBenchmark != nil }
}
