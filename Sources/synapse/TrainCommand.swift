import ArgumentParser
import Foundation
import Synapse

/// `synapse train`: trains a model on a real dataset and reports test accuracy.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on a dataset, report per-epoch loss and test accuracy, and save the weights.",
        discussion: """
        The last line printed to standard output is a JSON object:
        {"test_accuracy": ..., "epochs": ..., "seconds_per_epoch": ...}
        """
    )

    @Option(help: "Dataset: \(DatasetName.allValueStrings.joined(separator: ", ")).")
    var dataset: DatasetName = .fashionMNIST

    @Option(help: "Model: \(ModelName.allValueStrings.joined(separator: ", ")).")
    var model: ModelName = .mlp

    @Option(help: "Passes over the training set (default: 5 for images; per dataset for tabular data).")
    var epochs: Int?

    @Option(name: .customLong("batch-size"), help: "Examples per optimisation step (default: 128 for images, 32 for tabular data).")
    var batchSize: Int?

    @Option(help: "Adam learning rate.")
    var lr: Float = 1e-3

    @Option(help: "Random seed for initialisation and shuffling.")
    var seed: UInt64 = 0

    @Option(help: "Intra-op threads (default: SYNAPSE_NUM_THREADS or all cores).")
    var threads: Int?

    @Option(help: "Where to save the trained weights (safetensors). Default: runs/<dataset>-<model>.safetensors")
    var output: String?

    @Flag(name: .customLong("no-progress"), help: "Do not draw the progress bar.")
    var noProgress = false

    @OptionGroup(title: "Training pipeline (tabular datasets; --config and --log-dir for all)")
    var pipeline: PipelineOptions

    func validate() throws {
        if let epochs, epochs <= 0 { throw ValidationError("--epochs must be positive, got \(epochs)") }
        if let batchSize, batchSize <= 0 { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be a positive number, got \(lr)") }
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive, got \(threads)") }
    }

    func run() throws {
        if let threads { ThreadPool.shared.setThreadCount(threads) }
        if let benchmark = dataset.tabularBenchmark { try runTabular(benchmark); return }
        try rejectPipelineOnlyOptions()
        let epochs = self.epochs ?? 5, batchSize = self.batchSize ?? 128
        let (train, test) = try dataset.load()
        manualSeed(seed)
        let generator = RandomGenerator(seed: seed)
        let network = model.make(inputShape: train.exampleShape, classes: 10, generator: generator)
        let optimizer = Adam(network.parameters(), learningRate: lr)
        print("synapse train: \(dataset.rawValue) (\(train.count) train / \(test.count) test), model \(model.rawValue) "
              + "(\(network.parameterCount) parameters), \(ThreadPool.shared.threadCount) thread(s)")
        let training = ClassifierTraining(epochs: epochs, batchSize: batchSize, seed: seed, showProgress: !noProgress)
        let logs = try pipeline.logDir.map { try ImageRunLogs(directory: URL(fileURLWithPath: $0)) }
        var logError: Error?
        let summaries = training.run(model: network, optimizer: optimizer, train: train, test: test) { s in
            do { try logs?.record(epoch: s.epoch, values: ["loss": s.trainLoss, "test_accuracy": s.testAccuracy, "epoch_seconds": s.seconds]) } catch { logError = error }
            print(String(format: "epoch %d/%d  train_loss %.4f  test_accuracy %.4f  %.2f s", s.epoch, epochs, s.trainLoss, s.testAccuracy, s.seconds))
        }
        if let logError { throw logError }
        try logs?.finish()
        let path = output ?? "runs/\(dataset.rawValue)-\(model.rawValue).safetensors"
        try network.save(to: URL(fileURLWithPath: path), metadata: [
            "dataset": dataset.rawValue, "model": model.rawValue, "epochs": String(epochs), "seed": String(seed),
        ])
        print("saved weights to \(path)")
        let secondsPerEpoch = summaries.map(\.seconds).reduce(0, +) / Double(summaries.count)
        let result: [String: Any] = [
            "test_accuracy": (summaries.last!.testAccuracy * 10_000).rounded() / 10_000,
            "epochs": epochs,
            "seconds_per_epoch": (secondsPerEpoch * 1000).rounded() / 1000,
        ]
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }
}
