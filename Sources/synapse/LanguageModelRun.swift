import ArgumentParser
import Foundation
import Synapse

/// `synapse train` on a text corpus: steps of random windows, periodic loss and tokens/s, the
/// validation loss, saved weights (vocabulary and sizes in the metadata) and a generated sample.
struct LanguageModelRun {
    /// The parsed `train` options.
    let options: TrainCommand

    /// Fraction of the text used for training; the rest is the validation text (the W5 recipe).
    static let trainFraction = 0.9

    func run() throws {
        let o = options
        let steps = o.steps ?? 500, batchSize = o.batchSize ?? o.model.defaultBatchSize
        let context = o.context ?? o.model.defaultContext
        let corpus = try o.dataset.loadText()
        let (train, validation) = corpus.split(trainFraction: Self.trainFraction)
        guard train.count > context, validation.count > context else {
            throw ValidationError("--context \(context) is longer than the \(o.dataset.rawValue) corpus' splits "
                                  + "(\(train.count) train / \(validation.count) validation tokens)")
        }
        manualSeed(o.seed)
        let model = try o.model.makeLanguageModel(vocabularySize: corpus.vocabularySize, context: context,
                                                  generator: RandomGenerator(seed: o.seed))
        print("synapse train: \(o.dataset.rawValue) (\(train.count) train / \(validation.count) validation tokens, "
              + "\(corpus.vocabularySize) characters), model \(o.model.rawValue) (\(model.parameterCount) parameters), "
              + "batch \(batchSize) × \(context) tokens, \(steps) steps, \(ThreadPool.shared.threadCount) thread(s)")
        let training = LanguageModelTraining(steps: steps, batchSize: batchSize, context: context, logEvery: o.logEvery)
        let windows = LanguageModelTraining.windowGenerator(seed: o.seed)
        var lastLoss = Double.nan
        let optimizer = o.model.makeOptimizer(for: model, learningRate: o.lr)
        // --log-dir: one history row (and TensorBoard step) per progress line, keyed by the step.
        let logs = try o.pipeline.logDir.map { try ImageRunLogs(directory: URL(fileURLWithPath: $0), tagPrefix: "step/") }
        var logError: Error?
        let tokensPerSecond = training.run(model: model, optimizer: optimizer, corpus: train, generator: windows) {
            lastLoss = report($0, steps)
            do { try logs?.record(epoch: $0.step, values: ["loss": $0.trainLoss, "tokens_per_second": $0.tokensPerSecond]) } catch { logError = error }
        }
        if let logError { throw logError }
        let validationLoss = LanguageModelTraining.validationLoss(
            of: model, on: validation, batches: o.evalBatches, batchSize: batchSize, context: context,
            generator: LanguageModelTraining.validationGenerator(seed: o.seed))
        if let logs {
            try logs.record(epoch: steps, values: ["loss": lastLoss, "val_loss": validationLoss])
            try logs.finish()
        }
        print(String(format: "validation_loss %.4f  (%d batches of %d × %d tokens from the last 10%%)",
                     validationLoss, o.evalBatches, batchSize, context))

        let path = o.output ?? "runs/\(o.dataset.rawValue)-\(o.model.rawValue).safetensors"
        let vocabulary = CharacterVocabulary(corpus)
        try model.save(to: URL(fileURLWithPath: path), metadata: [
            "dataset": o.dataset.rawValue, "model": o.model.rawValue, "steps": String(steps), "seed": String(o.seed),
            "context": String(context), CharacterVocabulary.metadataKey: vocabulary.metadataValue,
            "validation_loss": String(format: "%.4f", validationLoss),
        ])
        print("saved weights to \(path)")

        if o.sampleLength > 0 {
            let generator = try TextGenerator(temperature: o.temperature, topK: o.topK)
            let prompt = try vocabulary.encode(o.prompt)
            let ids = try generator.generate(model, prompt: prompt, length: o.sampleLength,
                                             generator: RandomGenerator(seed: o.seed, stream: .sampling))
            print("---- sample (temperature \(o.temperature)\(o.topK.map { ", top-k \($0)" } ?? "")) ----")
            print(o.prompt + vocabulary.decode(ids))
            print("----")
        }
        let result: [String: Any] = [
            "validation_loss": (validationLoss * 10_000).rounded() / 10_000,
            "train_loss": (lastLoss * 10_000).rounded() / 10_000,
            "steps": steps,
            "tokens_per_second": tokensPerSecond.rounded(),
        ]
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    /// Prints one progress line and returns its train loss.
    private func report(_ p: LanguageModelProgress, _ steps: Int) -> Double {
        print(String(format: "step %d/%d  train_loss %.4f  %.0f tokens/s  %.1f s", p.step, steps, p.trainLoss, p.tokensPerSecond, p.seconds))
        fflush(nil)
        return p.trainLoss
    }
}
