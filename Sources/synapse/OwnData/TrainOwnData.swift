import ArgumentParser
import Foundation
import Synapse

extension TrainCommand {
    /// Trains an MLP on a CSV file through the tabular job (the built-in tabular datasets' split,
    /// leakage check, preprocessing, run directory, report and final JSON line).
    func runCSV(_ csv: CSVTrainingSource) throws {
        try runTabular(TabularTrainingOptions(csv: csv, output: URL(fileURLWithPath: "weights.safetensors")))
    }

    /// Trains an image classifier on an image folder through the image job; the folder is read,
    /// split and checked before the run directory is made. The final JSON line adds "skipped" (the
    /// images that could not be decoded) to the built-in image datasets' figures.
    func trainImageFolder(_ folder: ImageFolderSource, _ model: ImageClassifierKind) throws {
        var options = ImageTrainingOptions(folder: folder, model: model, output: URL(fileURLWithPath: "weights.safetensors"))
        options.epochs = epochs ?? options.epochs
        options.batchSize = batchSize ?? options.batchSize
        options.learningRate = lr
        options.seed = seed
        options.controls = try pipeline.controls(showProgress: !noProgress)
        try options.validate()
        let job = ImageTrainingJob(options: options, log: { _ in })
        let data = try job.loadPrepared()
        try job.validateResume()
        let run = try RunOutputs.prepare(command: self, checkpointDirectory: options.controls.checkpointDirectory)
        options.output = run.weights
        options.controls.logDirectory = run.logDirectory
        try run.writeConfig(resolvedOptions(pipeline.resolvedControls(options.controls)
            .merging(["epochs": options.epochs, "batch-size": options.batchSize]) { _, b in b }))
        let result = try ImageTrainingJob(options: options, log: run.say).run(prepared: data)
        try run.finish([
            "test_accuracy": (result.testAccuracy * 10_000).rounded() / 10_000,
            "epochs": result.history.records.count,
            "seconds_per_epoch": (result.secondsPerEpoch * 1000).rounded() / 1000,
            "skipped": data.skipped,
            "classes": data.classNames.count,
        ])
    }
}
