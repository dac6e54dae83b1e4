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
        let logEvery = o.logEvery ?? 50, evalBatches = o.evalBatches ?? 20, sampleLength = o.sampleLength ?? 300
        let promptText = o.prompt ?? "The ", temperature = o.temperature ?? 0.8
        // The corpus is loaded and checked before the run directory is made: a refused run leaves nothing behind.
        let corpus = try o.dataset.loadText()
        let (train, validation) = corpus.split(trainFraction: Self.trainFraction)
        guard train.count > context, validation.count > context else {
            throw ValidationError("--context \(context) is longer than the \(o.dataset.rawValue) corpus' splits "
                                  + "(\(train.count) train / \(validation.count) validation tokens)")
        }
        let run = try RunOutputs.prepare(command: o)
        var config: [String: Any] = [
            "steps": steps, "batch-size": batchSize, "context": context, "log-every": logEvery, "eval-batches": evalBatches,
            "sample-length": sampleLength, "prompt": promptText, "temperature": Double(String(temperature)) ?? Double(temperature),
        ]
        if let topK = o.topK { config["top-k"] = topK }
        try run.writeConfig(o.resolvedOptions(config))
        manualSeed(o.seed)
        let architecture = LanguageModelArchitecture(model: o.model, vocabularySize: corpus.vocabularySize, context: context)
        let model = try architecture.make(generator: RandomGenerator(seed: o.seed), source: "--context")
        run.say("synapse train: \(o.dataset.rawValue) (\(train.count) train / \(validation.count) validation tokens, "
              + "\(corpus.vocabularySize) characters), model \(o.model.rawValue) (\(model.parameterCount) parameters), "
              + "batch \(batchSize) × \(context) tokens, \(steps) steps, \(ThreadPool.shared.threadCount) thread(s)")
        let training = LanguageModelTraining(steps: steps, batchSize: batchSize, context: context, logEvery: logEvery)
        let windows = LanguageModelTraining.windowGenerator(seed: o.seed)
        var lastLoss = Double.nan
        let optimizer = o.model.makeOptimizer(for: model, learningRate: o.lr)
        // --log-dir: one history row (and TensorBoard step) per progress line, keyed by the step.
        let logs = try ImageRunLogs(directory: run.logDirectory, tagPrefix: "step/")
        var logError: Error?
        let tokensPerSecond = try training.train(model: model, optimizer: optimizer, corpus: train, generator: windows) {
            lastLoss = report($0, steps, run)
            do { try logs.record(epoch: $0.step, values: ["loss": $0.trainLoss, "tokens_per_second": $0.tokensPerSecond]) } catch { logError = error }
        }
        if let logError { throw logError }
        let validationLoss = LanguageModelTraining.validationLoss(
            of: model, on: validation, batches: evalBatches, batchSize: batchSize, context: context,
            generator: LanguageModelTraining.validationGenerator(seed: o.seed))
        try logs.record(epoch: steps, values: ["loss": lastLoss, "val_loss": validationLoss])
        try logs.finish()
        run.say(String(format: "validation_loss %.4f  (%d batches of %d × %d tokens from the last 10%%)",
                     validationLoss, evalBatches, batchSize, context))

        let vocabulary = CharacterVocabulary(corpus)
        try model.save(to: run.weights, metadata: architecture.metadata.merging([
            "dataset": o.dataset.rawValue, "steps": String(steps), "seed": String(o.seed),
            CharacterVocabulary.metadataKey: vocabulary.metadataValue,
            "validation_loss": String(format: "%.4f", validationLoss), "batch_size": String(batchSize), "lr": String(o.lr),
        ]) { a, _ in a })
        run.say("saved weights to \(run.weights.path)")

        if sampleLength > 0 {
            let generator = try TextGenerator(temperature: temperature, topK: o.topK)
            let prompt = try vocabulary.encode(promptText)
            let ids = try generator.generate(model, prompt: prompt, length: sampleLength,
                                             generator: RandomGenerator(seed: o.seed, stream: .sampling))
            run.say("---- sample (temperature \(temperature)\(o.topK.map { ", top-k \($0)" } ?? "")) ----")
            run.say(promptText + vocabulary.decode(ids))
            run.say("----")
        }
        try run.finish([
            "validation_loss": (validationLoss * 10_000).rounded() / 10_000,
            "train_loss": (lastLoss * 10_000).rounded() / 10_000,
            "steps": steps,
            "tokens_per_second": tokensPerSecond.rounded(),
        ])
    }

    /// Prints one progress line and returns its train loss.
    private func report(_ p: LanguageModelProgress, _ steps: Int, _ run: RunOutputs) -> Double {
        run.say(String(format: "step %d/%d  train_loss %.4f  %.0f tokens/s  %.1f s", p.step, steps, p.trainLoss, p.tokensPerSecond, p.seconds))
        return p.trainLoss
    }
}
