import ArgumentParser
import Foundation
import Synapse

/// `--log-dir` for the image-classifier runs (one summary per epoch of the fixed `ClassifierTraining`
/// loop) and the language-model runs (one row per progress line, keyed by the step): the same files
/// as the tabular runs (history.jsonl/csv, TensorBoard scalars, loss/metric SVG curves), rewritten
/// after every record.
final class ImageRunLogs {
    let directory: URL
    let writer: TensorBoardWriter
    private(set) var history = TrainingHistory()

    /// TensorBoard tag prefix: `epoch/` for image runs, `step/` for language-model runs.
    let tagPrefix: String

    init(directory: URL, tagPrefix: String = "epoch/") throws {
        self.directory = directory
        self.tagPrefix = tagPrefix
        writer = try TensorBoardWriter(logDirectory: directory)
    }

    /// Records one epoch and rewrites the files.
    func record(epoch: Int, values: [String: Double]) throws {
        history.append(epoch: epoch, values: values)
        try writer.addScalars(values.keys.sorted().map { (tag: tagPrefix + $0, value: Float(values[$0]!)) }, step: epoch)
        try writer.flush()
        try AtomicFile.write(Data(history.jsonLines().utf8), to: directory.appendingPathComponent("history.jsonl"))
        try AtomicFile.write(Data(history.csv().utf8), to: directory.appendingPathComponent("history.csv"))
        try TrainingCurvesPlot(history: history).write(to: directory)
    }

    /// Closes the event file.
    func finish() throws { try writer.close() }
}

extension TrainCommand {
    /// The image path trains with the fixed `ClassifierTraining` loop: refuse the `Trainer`-only flags there.
    func rejectPipelineOnlyOptions() throws {
        let p = pipeline
        let used = [("checkpoint-dir", p.checkpointDir != nil), ("resume", p.resume != nil), ("clip-norm", p.clipNorm != nil),
                    ("lr-schedule", p.lrSchedule != "none"), ("hidden", p.hidden != "64,32"), ("patience", p.patience != 20),
                    ("monitor", p.monitor != "val_loss"), ("window", p.window != 12)].filter(\.1).map { "--" + $0.0 }
        if !used.isEmpty {
            throw ValidationError("\(used.joined(separator: ", ")) only work with the tabular datasets (breast-cancer, diabetes, sunspots, co2), "
                                  + "not to --dataset \(dataset.rawValue)")
        }
    }
}
