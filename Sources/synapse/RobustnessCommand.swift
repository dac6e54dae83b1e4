import ArgumentParser
import Foundation
import Synapse

/// `synapse robustness`: robust accuracy of an image classifier under FGSM or PGD per ε.
struct RobustnessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "robustness",
        abstract: "Measure an image classifier's accuracy under FGSM or PGD attacks at several radii ε.",
        discussion: """
        Attacks the test split of the dataset (pixels in [0, 1]) with --attack: fgsm (one step of ε along the gradient's \
        sign, or the normalised gradient for --norm l2) or pgd (--steps steps of 2.5 ε / steps from a random start, each \
        projected back onto the ε-ball and the pixel range; Madry et al. 2018), raising the cross-entropy of the true class, \
        at every radius of --eps, and reports the accuracy on the adversarial images. --compare adds a second model on the \
        same images (an adversarially trained one: `synapse train --adversarial pgd`). The report (--report, default \
        <weights-stem>.robustness.html) has the tables and the robustness curves. The last line printed is a JSON object \
        with clean_accuracy, robust_accuracy per ε ({"0.05": 0.31, "0.1": 0.04}), attack, norm, steps, examples, report, \
        and compare_clean_accuracy and compare_robust_accuracy with --compare.
        """
    )

    @Option(help: "Weights of an image classifier: safetensors from `synapse train`, an ONNX file (.onnx, with --dataset) or a PyTorch state dict (.pt/.pth, with --dataset and --model).")
    var weights: String

    @Option(help: "A second classifier on the same dataset, attacked on the same images and reported beside the first.")
    var compare: String?

    @Option(help: "The built-in image dataset (fashion-mnist, mnist); default: the one the weights' metadata records.")
    var dataset: ImageDatasetName?

    @Option(help: "For .pt weights: the built-in architecture of the state dict (mlp, cnn, vit).")
    var model: ClassifierName?

    @Option(help: "The attack: fgsm or pgd.")
    var attack: AdversarialMethodName = .pgd

    @Option(help: "Radii ε, comma-separated, in pixel units (pixels are in [0, 1]).")
    var eps = "0.05,0.1,0.2"

    @Option(help: "The norm of the ε-ball: linf or l2.")
    var norm: AttackNormName = .linf

    @Option(help: "PGD steps (default 20).")
    var steps: Int?

    @Option(help: "PGD step size as a multiple of ε (default 2.5 / steps).")
    var stepSize: Float?

    @Flag(inversion: .prefixedNo, help: "PGD: start from a random point of the ε-ball (default on).")
    var randomStart = true

    @Option(help: "Attack only the first N test images (default: all of them).")
    var limit: Int?

    @Option(help: "Seed of the random starts.")
    var seed: UInt64 = 0

    @Option(help: "Where to write the report: .html (with the curves) or .md; default <weights-stem>.robustness.html.")
    var report: String?

    @Option(help: "Images per attacked batch.")
    var batchSize = 500

    @Option(parsing: .unconditional, help: "Intra-op threads (default: SYNAPSE_NUM_THREADS or all cores).")
    var threads: Int?

    /// The parsed radii.
    func epsilons() throws -> [Float] {
        let parts = eps.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !parts.isEmpty, parts.count <= 64 else { throw ValidationError("--eps needs 1 to 64 radii, got '\(eps)'") }
        return try parts.map { part in
            guard let value = Float(part), value.isFinite, value >= 0, value <= 1_000 else {
                throw ValidationError("--eps: '\(part)' is not a radius (a number from 0 to 1000)")
            }
            return value
        }
    }

    func validate() throws {
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive, got \(threads)") }
        _ = try epsilons()
        if let steps, !(1...10_000).contains(steps) { throw ValidationError("--steps must be 1 to 10000, got \(steps)") }
        if let stepSize, !(stepSize > 0 && stepSize.isFinite) { throw ValidationError("--step-size must be positive, got \(stepSize)") }
        if attack == .fgsm, steps != nil || stepSize != nil { throw ValidationError("--steps and --step-size apply to --attack pgd") }
        if let limit, limit <= 0 { throw ValidationError("--limit must be positive, got \(limit)") }
        guard (1...100_000).contains(batchSize) else { throw ValidationError("--batch-size must be 1 to 100000, got \(batchSize)") }
        if let report { do { _ = try ReportFormat(path: report) } catch { throw ValidationError("--report: \(error)") } }
    }

    func run() throws {
        if let threads { ThreadPool.shared.setThreadCount(threads) }
        let weightsURL = URL(fileURLWithPath: weights)
        for (flag, path) in [("--weights", weights), ("--compare", compare)] {
            if let path, !FileManager.default.fileExists(atPath: path) {
                throw ValidationError("\(flag) \(path): file not found (save one with `synapse train`)")
            }
        }
        let radii = try epsilons()
        var options = RobustnessOptions(weights: weightsURL)
        options.compareWith = compare.map { URL(fileURLWithPath: $0) }
        options.dataset = dataset.map { ImageDatasetChoice(rawValue: $0.rawValue)! }
        options.modelName = model?.rawValue
        // The template's radius is 1, so a relative step size is the absolute one at ε = 1 and scales with ε.
        options.attack = attack == .pgd
            ? AdversarialAttack.pgd(epsilon: 1, norm: norm.norm, steps: steps ?? 20, stepSize: stepSize, randomStart: randomStart)
            : AdversarialAttack.fgsm(epsilon: 1, norm: norm.norm)
        options.epsilons = radii
        options.limit = limit
        options.seed = seed
        options.batchSize = batchSize
        options.report = report.map { URL(fileURLWithPath: $0) }
        let result = try RobustnessJob(options: options).run()
        func r(_ v: Double) -> Double { (v * 10_000).rounded() / 10_000 }
        func perEpsilon(_ evaluation: RobustnessEvaluation) -> [String: Double] {
            var out: [String: Double] = [:]
            for x in evaluation.results { out[String(format: "%g", x.epsilon)] = r(x.accuracy) }
            return out
        }
        let main = result.models[0].evaluation
        var figures: [String: Any] = [
            "clean_accuracy": r(main.cleanAccuracy), "robust_accuracy": perEpsilon(main), "attack": attack.rawValue,
            "norm": norm.rawValue, "steps": main.attack.steps, "examples": main.count, "dataset": result.dataset.rawValue,
            "report": result.reportURL.path,
        ]
        if result.models.count > 1 {
            figures["compare_clean_accuracy"] = r(result.models[1].evaluation.cleanAccuracy)
            figures["compare_robust_accuracy"] = perEpsilon(result.models[1].evaluation)
        }
        print("wrote the report to \(result.reportURL.path)")
        // The figures beside the weights, for the model card (`synapse card`).
        try TrustSidecar.robustness.write(figures, forWeights: weightsURL)
        let json = try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: json, as: UTF8.self))
    }
}
