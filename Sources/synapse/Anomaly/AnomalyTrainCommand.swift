import ArgumentParser
import Foundation
import Synapse

/// The flags of a one-class anomaly-detection run (`--model autoencoder|vae` on an image dataset).
struct AnomalyOptions: ParsableArguments {
    @Option(name: .customLong("anomaly-class"), parsing: .unconditional,
            help: "--model autoencoder|vae: the class (0-9) that plays the anomaly; the detector trains on the others (default 8: Bag in Fashion-MNIST).")
    var anomalyClass: Int?

    @Option(name: .customLong("anomaly-fraction"), parsing: .unconditional,
            help: "--model autoencoder|vae: the share of anomalies in the test data, in (0, 0.5) (default 0.01).")
    var anomalyFraction: Double?

    @Option(name: .customLong("target-fpr"), parsing: .unconditional,
            help: "--model autoencoder|vae: the false-positive rate the threshold allows on held-out normal images (default 0.01).")
    var targetFPR: Double?

    @Option(name: .customLong("cost-fn"), parsing: .unconditional,
            help: "--model autoencoder|vae: the cost of a missed anomaly, for the cost-weighted figures (default 100).")
    var costFN: Double?

    @Option(name: .customLong("cost-fp"), parsing: .unconditional,
            help: "--model autoencoder|vae: the cost of a false alarm (default 1).")
    var costFP: Double?

    @Option(parsing: .unconditional, help: "--model autoencoder|vae: the bottleneck width (default 16).")
    var latent: Int?

    /// The flags given, by name.
    var given: [String] {
        [("--anomaly-class", anomalyClass != nil), ("--anomaly-fraction", anomalyFraction != nil), ("--target-fpr", targetFPR != nil),
         ("--cost-fn", costFN != nil), ("--cost-fp", costFP != nil), ("--latent", latent != nil)].filter(\.1).map(\.0)
    }

    /// Every flag of the group.
    static let flags = ["--anomaly-class", "--anomaly-fraction", "--target-fpr", "--cost-fn", "--cost-fp", "--latent"]
}

extension TrainCommand {
    /// Trains a one-class anomaly detector through `AnomalyDetectionJob` and prints its figures
    /// beside the PCA baseline's, ending with one JSON line.
    func runAnomaly(_ dataset: ImageDatasetChoice, _ kind: AnomalyModelKind) throws {
        var options = AnomalyDetectionOptions(dataset: dataset, model: kind, output: URL(fileURLWithPath: "weights.safetensors"))
        let a = anomaly
        options.anomalyClass = a.anomalyClass ?? options.anomalyClass
        options.anomalyFraction = a.anomalyFraction ?? options.anomalyFraction
        options.targetFalsePositiveRate = a.targetFPR ?? options.targetFalsePositiveRate
        options.costs = AnomalyCosts(missedAnomaly: a.costFN ?? options.costs.missedAnomaly, falseAlarm: a.costFP ?? options.costs.falseAlarm)
        options.latentSize = a.latent ?? options.latentSize
        options.epochs = epochs ?? options.epochs
        options.batchSize = batchSize ?? options.batchSize
        options.learningRate = lr
        options.seed = seed
        if pipeline.hidden != nil { options.hiddenSizes = try pipeline.hiddenSizes() }
        options.controls = try pipeline.controls(showProgress: !noProgress)
        do { try options.validate() } catch { throw ValidationError(error.description) }
        // The data is read and split, and a --resume checkpoint matched, before the run directory is made.
        let job = AnomalyDetectionJob(options: options, log: { _ in })
        let data = try job.loadData()
        try job.validateResume()
        let run = try RunOutputs.prepare(command: self, checkpointDirectory: options.controls.checkpointDirectory)
        options.output = run.weights
        var config: [String: Any] = [
            "epochs": options.epochs, "batch-size": options.batchSize, "anomaly-class": options.anomalyClass,
            "anomaly-fraction": options.anomalyFraction, "target-fpr": options.targetFalsePositiveRate, "cost-fn": options.costs.missedAnomaly,
            "cost-fp": options.costs.falseAlarm, "latent": options.latentSize, "hidden": options.hiddenSizes,
        ]
        config.merge(pipeline.resolvedControls(options.controls)) { _, new in new }
        try run.writeConfig(resolvedOptions(config))
        options.controls.logDirectory = run.logDirectory
        let result = try AnomalyDetectionJob(options: options, log: run.say).run(data: data)
        func rounded(_ x: Double) -> Double { (x * 10_000).rounded() / 10_000 }
        func figures(_ e: AnomalyEvaluation) -> [String: Any] {
            ["pr_auc": rounded(e.prAUC), "roc_auc": rounded(e.rocAUC), "threshold": e.threshold, "precision": rounded(e.precision),
             "recall": rounded(e.recall), "false_positive_rate": rounded(e.falsePositiveRate), "cost": e.cost,
             "recall_at_precision_0.5": rounded(e.recallAtPrecision[0.5] ?? 0), "recall_at_precision_0.9": rounded(e.recallAtPrecision[0.9] ?? 0)]
        }
        let d = result.detector
        var summary = figures(d)
        summary.merge([
            "task": "anomaly-detection", "anomaly_class": options.anomalyClass, "anomaly": data.anomalyName,
            "prevalence": rounded(d.prevalence), "baseline": figures(result.baseline), "baseline_pr_auc": rounded(result.baseline.prAUC),
            "cost_flag_nothing": d.costFlaggingNothing, "cost_flag_everything": d.costFlaggingEverything,
            "test_examples": d.examples, "test_anomalies": d.anomalies, "train_examples": result.sizes.train,
            "val_examples": result.sizes.validation, "epochs": result.history.records.count,
            "seconds_per_epoch": (result.secondsPerEpoch * 1000).rounded() / 1000,
        ]) { _, new in new }
        try run.finish(summary)
    }
}
