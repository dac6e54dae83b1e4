import ArgumentParser
import Foundation
import Synapse

extension TrainCommand {
    /// Trains on a tabular or time-series dataset through `TabularTrainingJob` and prints the test
    /// metrics, ending with one JSON line.
    func runTabular(_ benchmark: TabularBenchmark) throws {
        guard model == .mlp else { throw ValidationError("--dataset \(benchmark.rawValue) trains an MLP: use --model mlp (not \(model.rawValue))") }
        let epochsGiven: Int? = epochs
        let batchGiven: Int? = batchSize
        var options = TabularTrainingOptions(
            benchmark: benchmark, output: URL(fileURLWithPath: output ?? "runs/\(benchmark.rawValue)-mlp.safetensors"))
        options.epochs = epochsGiven
        options.batchSize = batchGiven ?? 32
        options.learningRate = lr
        options.seed = seed
        options.hiddenSizes = try pipeline.hiddenSizes()
        options.patience = pipeline.patience
        options.monitor = pipeline.monitor
        options.schedule = try pipeline.schedule()
        options.clipNorm = pipeline.clipNorm
        options.window = pipeline.window
        options.checkpointDirectory = pipeline.checkpointDir.map { URL(fileURLWithPath: $0) }
        options.resume = pipeline.resume.map { URL(fileURLWithPath: $0) }
        options.logDirectory = pipeline.logDir.map { URL(fileURLWithPath: $0) }
        options.showProgress = false
        let start = Date()
        let result = try TabularTrainingJob(options: options).run()
        var json: [String: Any] = result.testMetrics.mapValues { ($0 * 10_000).rounded() / 10_000 }
        json["epochs"] = result.history.records.count
        json["best_epoch"] = result.bestEpoch
        json["seconds"] = (Date().timeIntervalSince(start) * 100).rounded() / 100
        let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}

extension DatasetName {
    /// The tabular benchmark this name selects, or nil for image datasets.
    var tabularBenchmark: TabularBenchmark? { TabularBenchmark(rawValue: rawValue) }

    /// True for the tabular and time-series datasets (trained through `TabularTrainingJob`).
    var isTabular: Bool { tabularBenchmark != nil }
}
