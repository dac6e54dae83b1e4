import ArgumentParser
import Foundation
import Synapse

/// `synapse evaluate`'s flags for a diffusion model's weights.
struct DiffusionEvaluationFlags: ParsableArguments {
    @Option(help: "Diffusion weights: an image classifier of the same dataset (`synapse train --model cnn`) that judges the samples.")
    var classifier: String?

    @Option(name: .customLong("count-per-class"), parsing: .unconditional, help: "Diffusion weights: images generated per class (default 50).")
    var countPerClass: Int?

    @Option(name: .customLong("sampling-steps"), parsing: .unconditional, help: "Diffusion weights: DDIM steps per image (default 50).")
    var samplingSteps: Int?

    @Option(parsing: .unconditional, help: "Diffusion weights: classifier-free guidance scale (default 2).")
    var guidance: Double?

    @Option(name: .customLong("sample-seed"), parsing: .unconditional, help: "Diffusion weights: seed of the generated images (default 0).")
    var sampleSeed: UInt64?

    /// The flags given, by name.
    var given: [String] {
        [("--classifier", classifier != nil), ("--count-per-class", countPerClass != nil), ("--sampling-steps", samplingSteps != nil),
         ("--guidance", guidance != nil), ("--sample-seed", sampleSeed != nil)].filter(\.1).map(\.0)
    }
}

extension EvaluateCommand {
    /// `synapse evaluate` on a denoiser's weights: generates images of every class and reports the
    /// classifier's accuracy on them and the Fréchet distance of its penultimate features to the real
    /// test images, beside real, pixel-shuffled and noised reference sets, as a report and one JSON line.
    func runDiffusion(_ weightsURL: URL) throws {
        let d = diffusion
        guard let classifier = d.classifier else {
            throw EvaluateError("--weights \(weights) is a diffusion model: pass --classifier with an image classifier of the same dataset "
                                + "(synapse train --model cnn) to judge its samples")
        }
        var options = GenerationQualityOptions(weights: weightsURL, classifier: URL(fileURLWithPath: classifier))
        options.imagesPerClass = d.countPerClass ?? options.imagesPerClass
        options.samplingSteps = d.samplingSteps ?? options.samplingSteps
        options.guidanceScale = d.guidance ?? options.guidanceScale
        options.seed = d.sampleSeed ?? options.seed
        do { try options.validate() } catch { throw EvaluateError(error.description) }
        guard FileManager.default.fileExists(atPath: options.classifier.path) else {
            throw EvaluateError("--classifier \(classifier): file not found (train one with `synapse train --model cnn`)")
        }
        let q = try GenerationQualityJob(options: options, log: { print($0) }).run()
        let f = { (x: Double) in String(format: "%.2f", x) }, pct = { (x: Double) in String(format: "%.1f%%", 100 * x) }
        let table = [
            "| images | classifier accuracy on the intended class | Fréchet distance to the test set |", "|---|---|---|",
            "| generated (\(q.generated), \(options.samplingSteps) DDIM steps, guidance \(options.guidanceScale)) | \(pct(q.classifierAccuracy)) | \(f(q.frechetDistance)) |",
            "| other real test images (\(q.generated)) | \(pct(q.realAccuracy)) | \(f(q.realFrechetDistance)) |",
            "| real images, pixels shuffled | — | \(f(q.shuffledFrechetDistance)) |",
            "| real images + Gaussian noise σ 0.5 | — | \(f(q.noisedFrechetDistance)) |",
        ]
        let perClass = q.perClassAccuracy.enumerated().map { "| \($0.offset) | \(pct($0.element)) |" }
        let title = "Sample quality: \(weightsURL.lastPathComponent) judged by \(options.classifier.lastPathComponent)"
        let note = "Fréchet distances are computed on the classifier's penultimate features against the statistics of "
            + "\(q.referenceImages) test images (the rest of the test split are the real reference row) "
            + "(the FID formula, with this classifier in place of Inception); lower is closer. Figures compare only at the same sample count and classifier."
        let markdown = "# \(title)\n\n\(note)\n\n" + table.joined(separator: "\n") + "\n\n## Accuracy per intended class\n\n| class | accuracy |\n|---|---|\n"
            + perClass.joined(separator: "\n") + "\n"
        let text = (try? ReportFormat(path: report)) == .html
            ? "<!doctype html><html><head><meta charset=\"utf-8\"><title>\(title)</title></head><body><pre>\n\(markdown)</pre></body></html>\n"
            : markdown
        try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: report))
        print(String(format: "synapse evaluate: generated %d images in %.1f s; classifier accuracy %.3f (real images %.3f); Fréchet distance %.2f "
                     + "(real %.2f, shuffled %.2f, noised %.2f)", q.generated, q.generationSeconds, q.classifierAccuracy, q.realAccuracy,
                     q.frechetDistance, q.realFrechetDistance, q.shuffledFrechetDistance, q.noisedFrechetDistance))
        print("wrote report to \(report)")
        func rounded(_ x: Double) -> Double { (x * 10_000).rounded() / 10_000 }
        let json: [String: Any] = [
            "task": "diffusion", "generated": q.generated, "classifier_accuracy": rounded(q.classifierAccuracy),
            "real_accuracy": rounded(q.realAccuracy), "frechet_distance": rounded(q.frechetDistance),
            "frechet_distance_real": rounded(q.realFrechetDistance), "frechet_distance_shuffled": rounded(q.shuffledFrechetDistance),
            "frechet_distance_noised": rounded(q.noisedFrechetDistance), "per_class_accuracy": q.perClassAccuracy.map(rounded),
            "reference_images": q.referenceImages, "sampling_steps": options.samplingSteps, "guidance": options.guidanceScale, "generation_seconds": rounded(q.generationSeconds),
            "report": report,
        ]
        let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: data, as: UTF8.self))
    }
}
