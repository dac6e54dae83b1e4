import ArgumentParser
import Foundation
import Synapse

extension TrainCommand {
    /// Maps the flags to a `TextClassificationJob` (fine-tuning `--model minilm` on `dataset`) and
    /// runs it in a new run directory. The last line printed is
    /// `{"test_accuracy", "validation_accuracy", "finetune", "trainable_parameters", "total_parameters",
    /// "epochs", "seconds_per_epoch", "peak_memory_mb", "run_dir", "weights"}` (and `"adapter"` for LoRA).
    func trainTextClassifier(_ dataset: TextClassificationDatasetChoice) throws {
        var options = fineTune.options(recipe: fineTune.recipe)
        options.dataset = dataset
        options.model = model.rawValue
        options.epochs = epochs
        options.batchSize = batchSize ?? options.batchSize
        options.learningRate = lrFlag
        options.seed = seed
        options.trainFraction = trainFraction ?? 1
        options.controls = try pipeline.controls(showProgress: !noProgress)
        // BERT's fine-tuning schedule unless another is asked for.
        if pipeline.lrSchedule == nil { options.controls.schedule = .warmupLinear }
        try options.validate()
        // The dataset, model and tokenizer are loaded and checked, and a --resume checked, before the
        // run directory is made: a refused run leaves nothing behind.
        let job = TextClassificationJob(options: options, log: { _ in })
        let data = try job.loadData()
        try job.validateResume()
        let run = try RunOutputs.prepare(command: self, checkpointDirectory: options.controls.checkpointDirectory)
        options.output = run.weights
        options.controls.logDirectory = run.logDirectory
        var config: [String: Any] = [
            "epochs": options.effectiveEpochs, "batch-size": options.batchSize, "lr": Self.shortest(options.effectiveLearningRate),
            "finetune": options.recipe.rawValue, "max-length": options.maxLength, "train-fraction": options.trainFraction,
            "weight-decay": options.weightDecay,
        ]
        if options.recipe == .lora {
            config["lora-rank"] = options.loraRank
            config["lora-alpha"] = options.effectiveLoRAAlpha
            config["lora-dropout"] = options.loraDropout
        }
        try run.writeConfig(resolvedOptions(pipeline.resolvedControls(options.controls).merging(config) { _, b in b }))
        let result = try TextClassificationJob(options: options, log: run.say).run(data: data)
        var figures: [String: Any] = [
            "test_accuracy": (result.testAccuracy * 10_000).rounded() / 10_000,
            "validation_accuracy": (result.validationAccuracy * 10_000).rounded() / 10_000,
            "finetune": options.recipe.rawValue,
            "trainable_parameters": result.trainableParameters,
            "total_parameters": result.totalParameters,
            "epochs": result.history.records.count,
            "seconds_per_epoch": (result.secondsPerEpoch * 1000).rounded() / 1000,
            "peak_memory_mb": result.peakMemoryMiB.rounded(),
        ]
        if let adapter = result.adapterDirectory { figures["adapter"] = adapter.path }
        try run.finish(figures)
    }
}
