import ArgumentParser
import Foundation
import Synapse

/// `synapse card`: (re)writes a training run's model card.
struct CardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "card",
        abstract: "Regenerate a training run's model card (MODEL_CARD.md and model_card.json).",
        discussion: """
        Every `synapse train` run writes its model card into its run directory; `synapse card --run DIR` writes it again, \
        picking up what was computed since: the calibration (`synapse calibrate`), out-of-distribution (`synapse ood`) and \
        robustness (`synapse robustness`) figures beside the weights. The card holds the model details, the intended use \
        (--intended-use, else the run's `--intended-use`), the training data (source, sizes, split, leakage check), the \
        preprocessing, the test metrics overall and by slice with the worst slice, those trust figures, the baselines on \
        the same split (tabular runs), the Limitations and Ethical considerations sections for people to write (kept as \
        written when the card is regenerated) and the command that reproduces the run. The last line printed is a JSON \
        object with card, json, metrics, slicings, worst_slice, calibration, robustness, ood and baselines.
        """
    )

    @Option(name: .customLong("run"), help: "The run directory (with report.json and config.json, as `synapse train` leaves it).")
    var runDirectory: String

    @Option(help: "What the model is for (and not for); default: the one the run recorded.")
    var intendedUse: String?

    func run() throws {
        let directory = URL(fileURLWithPath: runDirectory).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--run \(runDirectory): no such directory (a `synapse train` run directory, printed as `run directory: …`)")
        }
        let card = try ModelCardJob(runDirectory: directory, toolVersion: SynapseVersion.current, intendedUse: intendedUse).run()
        let markdown = directory.appendingPathComponent(ModelCardJob.markdownName), json = directory.appendingPathComponent(ModelCardJob.jsonName)
        print("wrote \(markdown.path) and \(json.path)")
        var worst: [String: String] = [:]
        for s in card.slicings { if let w = s.worst { worst[s.name] = w } }
        let figures: [String: Any] = [
            "card": markdown.path, "json": json.path, "metrics": card.metrics, "slicings": card.slicings.map(\.name),
            "worst_slice": worst, "calibration": card.calibration != nil, "robustness": card.robustness != nil,
            "ood": card.outOfDistribution != nil, "baselines": card.baselines.map(\.name),
            "intended_use": card.intendedUse ?? NSNull(),
        ]
        let line = try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: line, as: UTF8.self))
    }
}
