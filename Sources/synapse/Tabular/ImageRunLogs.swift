import ArgumentParser
import Foundation
import Synapse

/// `--log-dir` (or the run directory) for the image-classifier runs (one summary per epoch of the
/// fixed `ClassifierTraining` loop) and the language-model runs (one row per progress line, keyed by
/// the step): the same files as the tabular runs. history.jsonl/csv get one appended line per
/// record and TensorBoard one event; the SVG curves, which can only be redrawn whole, are redrawn
/// every `plotEvery` records and at the end, so a record costs the same at step 10 as at step 10 000.
final class ImageRunLogs {
    let directory: URL
    let writer: TensorBoardWriter
    let historyFiles: HistoryLogger
    private(set) var history = TrainingHistory()

    /// TensorBoard tag prefix: `epoch/` for image runs, `step/` for language-model runs.
    let tagPrefix: String
    /// Records between redraws of the curves.
    static let plotEvery = 10

    init(directory: URL, tagPrefix: String = "epoch/") throws {
        self.directory = directory
        self.tagPrefix = tagPrefix
        writer = try TensorBoardWriter(logDirectory: directory)
        historyFiles = HistoryLogger(jsonLines: directory.appendingPathComponent("history.jsonl"),
                                     csv: directory.appendingPathComponent("history.csv"))
    }

    /// Records one epoch (or step): appends to the history files, adds the TensorBoard scalars.
    func record(epoch: Int, values: [String: Double]) throws {
        history.append(epoch: epoch, values: values)
        try writer.addScalars(values.keys.sorted().map { (tag: tagPrefix + $0, value: Float(values[$0]!)) }, step: epoch)
        try writer.flush()
        try historyFiles.record(history)
        if history.records.count % Self.plotEvery == 0 { try TrainingCurvesPlot(history: history).write(to: directory) }
    }

    /// Draws the final curves and closes the event file.
    func finish() throws {
        if !history.records.isEmpty { try TrainingCurvesPlot(history: history).write(to: directory) }
        try writer.close()
    }
}
