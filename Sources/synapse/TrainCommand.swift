import ArgumentParser
import Foundation
import Synapse

/// `synapse train`: trains a classifier on an image dataset (reporting test accuracy) or a
/// character-level language model on a text corpus (reporting validation loss and a sample).
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on a dataset, report its loss and accuracy or validation loss, and save the weights.",
        discussion: """
        Image datasets (fashion-mnist, mnist) train --model mlp or cnn by epochs; the last line printed is
        {"test_accuracy": ..., "epochs": ..., "seconds_per_epoch": ...}

        Text corpora (shakespeare, vim-docs) train --model char-lstm or gpt by steps on random windows of
        the first 90% of the text, report the mean loss over --eval-batches random windows of the last 10%,
        save the weights with the vocabulary in the safetensors metadata (for `synapse generate`), and print
        a generated sample; the last line printed is
        {"validation_loss": ..., "steps": ..., "tokens_per_second": ..., "train_loss": ...}
        """
    )

    @Option(help: "Dataset: \(DatasetName.allValueStrings.joined(separator: ", ")).")
    var dataset: DatasetName = .fashionMNIST

    @Option(help: "Model: mlp, cnn (image datasets); char-lstm, gpt (text corpora).")
    var model: ModelName = .mlp

    @Option(help: "Image datasets: passes over the training set (default 5).")
    var epochs: Int?

    @Option(help: "Text corpora: optimisation steps (default 500).")
    var steps: Int?

    @Option(name: .customLong("batch-size"), help: "Examples or windows per step (default: 128 mlp/cnn, 32 char-lstm, 16 gpt).")
    var batchSize: Int?

    @Option(help: "Text corpora: tokens per training window (default: 64 char-lstm, 128 gpt; gpt reads at most this many).")
    var context: Int?

    @Option(help: "Learning rate (Adam; AdamW with weight decay 0.01 for gpt).")
    var lr: Float = 1e-3

    @Option(help: "Random seed for initialisation, shuffling, windows and sampling.")
    var seed: UInt64 = 0

    @Option(help: "Intra-op threads (default: SYNAPSE_NUM_THREADS or all cores).")
    var threads: Int?

    @Option(help: "Where to save the trained weights (safetensors). Default: runs/<dataset>-<model>.safetensors")
    var output: String?

    @Option(name: .customLong("eval-batches"), help: "Text corpora: validation batches averaged for the validation loss.")
    var evalBatches: Int = 20

    @Option(name: .customLong("log-every"), help: "Text corpora: print the train loss and tokens/s every this many steps.")
    var logEvery: Int = 50

    @Option(name: .customLong("sample-length"), help: "Text corpora: characters of sample text to print after training (0: none).")
    var sampleLength: Int = 300

    @Option(help: "Text corpora: prompt of the printed sample.")
    var prompt: String = "The "

    @Option(help: "Text corpora: sampling temperature of the printed sample.")
    var temperature: Float = 0.8

    @Option(name: .customLong("top-k"), help: "Text corpora: sample the printed text from the k most likely characters only.")
    var topK: Int?

    @Flag(name: .customLong("no-progress"), help: "Do not draw the progress bar.")
    var noProgress = false

    @OptionGroup(title: "Training pipeline (tabular datasets; --config and --log-dir for all)")
    var pipeline: PipelineOptions

    func validate() throws {
        if dataset.isText != model.isLanguageModel {
            throw ValidationError(dataset.isText
                ? "--dataset \(dataset.rawValue) is a text corpus: use --model char-lstm or --model gpt (not \(model.rawValue))"
                : "--dataset \(dataset.rawValue) is not a text corpus: use --model mlp or --model cnn (not \(model.rawValue))")
        }
        if dataset.isText, epochs != nil { throw ValidationError("--epochs applies to image datasets; text corpora train by --steps") }
        if !dataset.isText {
            if steps != nil { throw ValidationError("--steps applies to text corpora; image datasets train by --epochs") }
            if context != nil { throw ValidationError("--context applies to text corpora only") }
        }
        if let epochs, epochs <= 0 { throw ValidationError("--epochs must be positive, got \(epochs)") }
        if let steps, steps <= 0 { throw ValidationError("--steps must be positive, got \(steps)") }
        if let batchSize, batchSize <= 0 { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
        if let context, context < 1 { throw ValidationError("--context must be at least 1, got \(context)") }
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be a positive number, got \(lr)") }
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive, got \(threads)") }
        guard evalBatches > 0 else { throw ValidationError("--eval-batches must be positive, got \(evalBatches)") }
        guard logEvery > 0 else { throw ValidationError("--log-every must be positive, got \(logEvery)") }
        guard sampleLength >= 0 else { throw ValidationError("--sample-length must be at least 0, got \(sampleLength)") }
        do { _ = try TextGenerator(temperature: temperature, topK: topK) } catch {
            throw ValidationError("--temperature/--top-k: \(error)")
        }
    }

    func run() throws {
        if let threads { ThreadPool.shared.setThreadCount(threads) }
        if let benchmark = dataset.tabularBenchmark { try runTabular(benchmark); return }
        if dataset.isText {
            try rejectPipelineOnlyOptions()
            try LanguageModelRun(options: self).run()
        } else {
            try trainClassifier()
        }
    }

    private func trainClassifier() throws {
        try rejectPipelineOnlyOptions()
        let epochs = self.epochs ?? 5, batchSize = self.batchSize ?? model.defaultBatchSize
        let (train, test) = try dataset.load()
        manualSeed(seed)
        let generator = RandomGenerator(seed: seed)
        let network = try model.make(inputShape: train.exampleShape, classes: 10, generator: generator)
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
