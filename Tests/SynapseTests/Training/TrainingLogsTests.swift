import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseOptim
@testable import SynapseData
@testable import SynapseEval
@testable import SynapseTraining

/// `TensorBoardCallback` read back by the real TensorBoard, and `TrainingCurvesPlot` as SVG.
@Suite(.serialized) struct TrainingLogsTests {
    /// Prints `{tag: [[step, value], ...]}` of the run directory as TensorBoard's `EventAccumulator` loads it.
    static let readerScript = #"""
    import json, sys
    try:
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    except Exception as error:
        print("cannot import tensorboard: %s" % error, file=sys.stderr)
        sys.exit(3)
    acc = EventAccumulator(sys.argv[1], size_guidance={"scalars": 0})
    acc.Reload()
    print(json.dumps({t: [[e.step, e.value] for e in acc.Scalars(t)] for t in acc.Tags()["scalars"]}))
    """#

    /// Trains `TinyNet` for three epochs with a TensorBoard callback logging to `dir`.
    static func train(logDirectory dir: URL) throws -> (TrainingHistory, batches: Int) {
        let model = TinyNet(seed: 3, dropout: RandomGenerator(seed: 4))
        let loader = DataLoader(TrainerFixtures.train, batchSize: 64, shuffle: true, seed: 0)
        let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: 1e-2),
                              objective: .classification(model), train: loader,
                              validation: DataLoader(TrainerFixtures.validation, batchSize: 64),
                              metrics: TrainingMetrics.accuracy,
                              callbacks: [TensorBoardCallback(writer: try TensorBoardWriter(logDirectory: dir))],
                              generators: [:])
        return (try trainer.fit(epochs: 3), loader.count)
    }

    @Test func tensorBoardReadsBatchAndEpochScalars() throws {
        let dir = try TrainerFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (history, batches) = try Self.train(logDirectory: dir)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.readerScript, dir.path]
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = "tensorboard's reader failed (exit \(process.terminationStatus)); this test needs python3 with tensorboard "
                + "(pip install tensorboard; scripts/setup.sh installs it): \(err)"
            Issue.record(Comment(rawValue: message))
            return
        }
        let scalars = try JSONDecoder().decode([String: [[Double]]].self, from: out)
        // Per batch: loss and lr at global steps 1...3·batches.
        let batchLoss = try #require(scalars["batch/loss"])
        #expect(batchLoss.map { Int($0[0]) } == Array(1...(3 * batches)))
        #expect(scalars["batch/lr"]?.allSatisfy { Float($0[1]) == 1e-2 } == true)
        // Per epoch: every log of the history at epochs 1, 2, 3, equal to it in float32.
        for name in ["loss", "val_loss", "val_accuracy", "lr"] {
            let curve = try #require(scalars["epoch/\(name)"], "no epoch/\(name) in \(scalars.keys.sorted())")
            #expect(curve.map { Int($0[0]) } == [1, 2, 3])
            #expect(curve.map { Float($0[1]) } == history.series(name).map { Float($0!) })
        }
    }

    @Test func curvesPlotIsSVGWithLossAndMetricSeries() throws {
        var history = TrainingHistory()
        for e in 1...5 {
            history.append(epoch: e, values: ["loss": 1 / Double(e), "val_loss": 1.2 / Double(e), "val_accuracy": 0.5 + 0.08 * Double(e),
                                              "test_accuracy": 0.6, "lr": 1e-3, "epoch_seconds": 0.1])
        }
        let plot = TrainingCurvesPlot(history: history, title: "run")
        let loss = try #require(SVGStructure.parse(plot.lossChart.svg))
        #expect(loss.texts.contains("run: loss") && loss.texts.contains("loss") && loss.texts.contains("val_loss"))
        let metrics = try #require(plot.metricChart.flatMap { SVGStructure.parse($0.svg) })
        #expect(metrics.texts.contains("val_accuracy") && metrics.texts.contains("test_accuracy"))
        #expect(!metrics.texts.contains("lr") && !metrics.texts.contains("epoch_seconds"))

        let dir = try TrainerFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try plot.write(to: dir)
        #expect(files.map(\.lastPathComponent) == ["loss.svg", "metrics.svg"])
        #expect(SVGStructure.parse(try String(contentsOf: files[0], encoding: .utf8)) != nil)

        // A history without validation metrics has no metric chart.
        var lossOnly = TrainingHistory()
        lossOnly.append(epoch: 1, values: ["loss": 0.5])
        #expect(TrainingCurvesPlot(history: lossOnly).metricChart == nil)
    }
}
