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

    @Option(help: "Number of passes over the training set.")
    var epochs: Int = 5

    @Option(name: .customLong("batch-size"), help: "Examples per optimisation step.")
    var batchSize: Int = 128

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

    func validate() throws {
        guard epochs > 0 else { throw ValidationError("--epochs must be positive, got \(epochs)") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be a positive number, got \(lr)") }
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive, got \(threads)") }
    }

    func run() throws {
        if let threads { ThreadPool.shared.setThreadCount(threads) }
        let (train, test) = try dataset.load()
        manualSeed(seed)
        let generator = RandomGenerator(seed: seed)
        let network = model.make(inputShape: train.exampleShape, classes: 10, generator: generator)
        let optimizer = Adam(network.parameters(), learningRate: lr)
        print("synapse train: \(dataset.rawValue) (\(train.count) train / \(test.count) test), model \(model.rawValue) "
              + "(\(network.parameterCount) parameters), \(ThreadPool.shared.threadCount) thread(s)")
        let training = ClassifierTraining(epochs: epochs, batchSize: batchSize, seed: seed, showProgress: !noProgress)
        let summaries = training.run(model: network, optimizer: optimizer, train: train, test: test) { s in
            print(String(format: "epoch %d/%d  train_loss %.4f  test_accuracy %.4f  %.2f s", s.epoch, epochs, s.trainLoss, s.testAccuracy, s.seconds))
        }
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
