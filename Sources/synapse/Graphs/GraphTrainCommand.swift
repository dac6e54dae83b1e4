import ArgumentParser
import Foundation
import Synapse

extension TrainCommand {
    /// Trains a graph network through `GraphTrainingJob` — node classification, or link prediction
    /// with `--task link-prediction` — and prints the test figures, ending with one JSON line.
    func runGraph(_ dataset: GraphDatasetChoice, _ kind: GraphConvolutionKind) throws {
        var options = GraphTrainingOptions(dataset: dataset, kind: kind, task: try ownData.graphTask(),
                                           output: URL(fileURLWithPath: "weights.safetensors"))
        let task = options.task
        options.epochs = epochs ?? options.epochs
        if let hidden = pipeline.hidden {
            let widths = try pipeline.hiddenSizes()
            guard widths.count == 1 else {
                throw ValidationError("--hidden takes one width for a graph network (its two layers are in → hidden → "
                                      + "\(task == .linkPrediction ? "embedding" : "classes"); graph classification's three are in → hidden → "
                                      + "hidden → hidden), got '\(hidden)'")
            }
            options.hidden = widths[0]
        }
        if let fanout {
            let counts = fanout.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard counts.allSatisfy({ $0 != nil }) else {
                throw ValidationError("--fanout takes comma-separated counts, one per layer (e.g. 10,10), got '\(fanout)'")
            }
            options.fanouts = counts.map { $0! }
        }
        if batchSize != nil && fanout == nil && task != .graphClassification {
            throw ValidationError("--batch-size applies to --dataset \(dataset.rawValue) with --fanout (neighbour sampling); otherwise "
                                  + "every step runs the whole graph")
        }
        options.batchSize = batchSize
        options.learningRate = lrFlag ?? options.learningRate
        options.seed = seed
        options.controls = try pipeline.controls(showProgress: false)
        do { try options.validate() } catch { throw ValidationError(error.description) }
        let check = GraphTrainingJob(options: options, log: { _ in })
        // The data is read and checked, and a --resume checkpoint matched, before the run directory is made.
        let collection = task == .graphClassification ? try check.loadCollection() : nil
        let graph = task == .graphClassification ? nil : try check.loadGraph()
        try check.validateResume()
        let run = try RunOutputs.prepare(command: self, checkpointDirectory: options.controls.checkpointDirectory)
        options.output = run.weights
        var config: [String: Any] = ["epochs": options.epochs, "hidden": [options.effectiveHidden], "task": task.rawValue]
        if let fanouts = options.fanouts {
            config["fanout"] = fanouts.map(String.init).joined(separator: ",")
        }
        if options.fanouts != nil || task == .graphClassification { config["batch-size"] = options.effectiveBatchSize }
        config.merge(pipeline.resolvedControls(options.controls)) { _, new in new }
        if lrFlag == nil { config["lr"] = options.learningRate }
        try run.writeConfig(resolvedOptions(config))
        options.controls.logDirectory = run.logDirectory
        let start = Date()
        func rounded(_ x: Double) -> Double { (x * 10_000).rounded() / 10_000 }
        if task == .graphClassification {
            let result = try GraphTrainingJob(options: options, log: run.say).runGraphClassification(data: collection)
            let seconds = Date().timeIntervalSince(start)
            try run.finish([
                "task": task.rawValue, "test_accuracy": rounded(result.testAccuracy), "val_accuracy": rounded(result.validationAccuracy),
                "majority_baseline": rounded(result.majorityBaseline), "epochs": result.history.records.count,
                "train_graphs": result.sizes.train, "val_graphs": result.sizes.validation, "test_graphs": result.sizes.test,
                "seconds": (seconds * 100).rounded() / 100,
            ])
            return
        }
        if task == .linkPrediction {
            let result = try GraphTrainingJob(options: options, log: run.say).runLinkPrediction(graph: graph)
            let seconds = Date().timeIntervalSince(start)
            try run.finish([
                "task": task.rawValue, "test_auc": rounded(result.testAUC), "test_average_precision": rounded(result.testAveragePrecision),
                "val_auc": rounded(result.validationAUC), "epochs": result.history.records.count, "nodes": result.sizes.nodes,
                "edges": result.sizes.edges, "train_edges": result.sizes.trainingEdges, "val_edges": result.sizes.validationEdges,
                "test_edges": result.sizes.testEdges, "seconds": (seconds * 100).rounded() / 100,
            ])
            return
        }
        let result = try GraphTrainingJob(options: options, log: run.say).run(graph: graph)
        let seconds = Date().timeIntervalSince(start)
        var summary: [String: Any] = [
            "task": task.rawValue,
            "test_accuracy": rounded(result.testAccuracy), "train_accuracy": rounded(result.trainAccuracy),
            "epochs": result.history.records.count, "nodes": result.sizes.nodes, "edges": result.sizes.edges / 2,
            "train_nodes": result.sizes.train, "val_nodes": result.validationNodes, "test_nodes": result.sizes.test,
            "seconds": (seconds * 100).rounded() / 100,
        ]
        if let validation = result.validationAccuracy { summary["val_accuracy"] = rounded(validation) }
        try run.finish(summary)
    }
}
