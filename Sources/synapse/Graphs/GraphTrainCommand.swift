import ArgumentParser
import Foundation
import Synapse

extension TrainCommand {
    /// Trains a graph network for node classification through `GraphTrainingJob` and prints the
    /// test accuracy, ending with one JSON line.
    func runGraph(_ dataset: GraphDatasetChoice, _ kind: GraphConvolutionKind) throws {
        if batchSize != nil {
            throw ValidationError("--batch-size does not apply to --dataset \(dataset.rawValue): node classification runs the whole graph "
                                  + "every step")
        }
        var options = GraphTrainingOptions(dataset: dataset, kind: kind, output: URL(fileURLWithPath: "weights.safetensors"))
        options.epochs = epochs ?? options.epochs
        if let hidden = pipeline.hidden {
            let widths = try pipeline.hiddenSizes()
            guard widths.count == 1 else {
                throw ValidationError("--hidden takes one width for a graph network (its two layers are in → hidden → classes), got '\(hidden)'")
            }
            options.hidden = widths[0]
        }
        options.learningRate = lrFlag ?? options.learningRate
        options.seed = seed
        options.controls = try pipeline.controls(showProgress: false)
        do { try options.validate() } catch { throw ValidationError(error.description) }
        let check = GraphTrainingJob(options: options, log: { _ in })
        // The graph is read and checked, and a --resume checkpoint matched, before the run directory is made.
        _ = try check.loadGraph()
        try check.validateResume()
        let run = try RunOutputs.prepare(command: self, checkpointDirectory: options.controls.checkpointDirectory)
        options.output = run.weights
        var config: [String: Any] = ["epochs": options.epochs, "hidden": [options.effectiveHidden]]
        config.merge(pipeline.resolvedControls(options.controls)) { _, new in new }
        if lrFlag == nil { config["lr"] = options.learningRate }
        try run.writeConfig(resolvedOptions(config))
        options.controls.logDirectory = run.logDirectory
        let start = Date()
        let result = try GraphTrainingJob(options: options, log: run.say).run()
        let seconds = Date().timeIntervalSince(start)
        try run.finish([
            "test_accuracy": (result.testAccuracy * 10_000).rounded() / 10_000,
            "train_accuracy": (result.trainAccuracy * 10_000).rounded() / 10_000,
            "epochs": result.history.records.count, "nodes": result.sizes.nodes, "edges": result.sizes.edges / 2,
            "train_nodes": result.sizes.train, "test_nodes": result.sizes.test,
            "seconds": (seconds * 100).rounded() / 100,
        ])
    }
}
