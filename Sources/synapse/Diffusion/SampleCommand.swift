import ArgumentParser
import Foundation
import Synapse

/// The reverse processes `synapse sample` can run.
enum SamplerName: String, ExpressibleByArgument, CaseIterable {
    /// Deterministic DDIM (η = 0 unless --eta).
    case ddim
    /// Stochastic DDPM ancestral sampling.
    case ddpm
}

/// `synapse sample`: images from a trained diffusion model, written as a PNG grid.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Generate images with a diffusion model from `synapse train --model ddpm` and write them as a PNG grid.",
        discussion: """
        Starts from Gaussian noise and runs the reverse process (DDIM with --steps steps by default, or DDPM; both clip \
        the estimate of the clean image to [-1, 1] as diffusers' schedulers do by default) with \
        the UNet the weights' metadata describes, steered towards --class by classifier-free guidance \
        (ε = ε(x, ∅) + w·(ε(x, c) − ε(x, ∅)), w = --guidance; 1 is plain conditioning, 0 unconditional). Without --class \
        the images are unconditional. The same --seed gives the same images. The last line printed is
        {"output": ..., "class": ..., "class_name": ..., "count": ..., "sampler": ..., "steps": ..., "guidance": ..., "seconds": ..., "seed": ...}
        """
    )

    @Option(help: "Weights written by `synapse train --model ddpm`.")
    var weights: String

    @Option(name: .customLong("class"), help: "The class to generate: its index (0-9) or its name (e.g. 3 or Dress). Default: unconditional.")
    var classChoice: String?

    @Option(parsing: .unconditional, help: "How many images (1-1024).")
    var count = 64

    @Option(help: "Where to write the PNG grid.")
    var output: String

    @Option(parsing: .unconditional, help: "Images per row of the grid (default: √count rounded up).")
    var columns: Int?

    @Option(help: "The reverse process: ddim (deterministic, default) or ddpm (stochastic).")
    var sampler: SamplerName = .ddim

    @Option(parsing: .unconditional, help: "Model calls per image: DDIM steps, or DDPM steps (1 to the training timesteps; default 50).")
    var steps = 50

    @Option(parsing: .unconditional, help: "--sampler ddim: η, 0 deterministic (default), 1 as stochastic as DDPM.")
    var eta: Double?

    @Option(name: .customLong("guidance"), parsing: .unconditional, help: "With --class: the classifier-free guidance scale, 0-100 (default 2; 1: plain conditioning).")
    var guidanceFlag: Double?

    /// The guidance scale: 2 unless given.
    var guidance: Double { guidanceFlag ?? 2 }

    @Option(parsing: .unconditional, help: "Random seed of the noise.")
    var seed: UInt64 = 0

    @Flag(help: "Replace an existing --output file instead of refusing.")
    var overwrite = false

    @Option(parsing: .unconditional, help: "Intra-op threads (default: SYNAPSE_NUM_THREADS or all cores).")
    var threads: Int?

    func validate() throws {
        if !(1...1024).contains(count) { throw ValidationError("--count must lie in 1...1024, got \(count)") }
        if let columns, columns <= 0 { throw ValidationError("--columns must be positive, got \(columns)") }
        if steps <= 0 { throw ValidationError("--steps must be positive, got \(steps)") }
        if let eta, !(eta >= 0 && eta <= 1) { throw ValidationError("--eta must lie in [0, 1], got \(eta)") }
        if eta != nil && sampler != .ddim { throw ValidationError("--eta: only applies to --sampler ddim") }
        if !(guidance >= 0 && guidance <= 100) { throw ValidationError("--guidance must lie in [0, 100], got \(guidance)") }
        if guidanceFlag != nil && classChoice == nil { throw ValidationError("--guidance: only applies with --class (unconditional images are not guided)") }
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive, got \(threads)") }
        if URL(fileURLWithPath: output).pathExtension.lowercased() != "png" { throw ValidationError("--output \(output): expected a .png path") }
    }

    func run() throws {
        if let threads { ThreadPool.shared.setThreadCount(threads) }
        let outputURL = URL(fileURLWithPath: output)
        try OutputPaths.checkReplaceable(outputURL, overwrite: overwrite, flag: "--output")
        let weightsURL = URL(fileURLWithPath: weights)
        guard FileManager.default.fileExists(atPath: weightsURL.path) else {
            throw ValidationError("--weights \(weights): file not found (train one with `synapse train --model ddpm`)")
        }
        let file = try DiffusionModelFile.load(from: weightsURL)
        guard steps <= file.schedule.trainingSteps else {
            throw ValidationError("--steps \(steps): the model was trained with \(file.schedule.trainingSteps) timesteps; use at most that many")
        }
        let classNames = file.dataset.classNames
        var label: Int?
        if let choice = classChoice {
            if let index = Int(choice), classNames.indices.contains(index) {
                label = index
            } else if let index = classNames.firstIndex(where: { $0.lowercased() == choice.lowercased() }) {
                label = index
            } else {
                throw ValidationError("--class \(choice): expected 0-\(classNames.count - 1) or one of \(classNames.joined(separator: ", "))")
            }
            guard let null = file.model.nullClass, label! < null else {
                throw ValidationError("--class: the model is unconditional (trained without classes)")
            }
            do { try file.checkGuidance(guidance, flag: "guidance") } catch { throw ValidationError(error.description) }
        }
        let process: any DiffusionSampler = sampler == .ddim
            ? DDIMSampler(schedule: file.schedule, prediction: file.prediction, inferenceSteps: steps, eta: eta ?? 0, clipSample: true)
            : DDPMSampler(schedule: file.schedule, prediction: file.prediction, inferenceSteps: steps)
        let started = Date()
        // Without --class a conditional model samples its null class: unconditional images.
        let labels = file.model.nullClass.map { null in Array(repeating: label ?? null, count: count) }
        let images = file.model.generate(classLabels: labels, count: count, imageShape: file.imageShape, sampler: process,
                                         guidanceScale: label == nil ? 1 : Float(guidance), generator: RandomGenerator(seed: seed))
        let seconds = Date().timeIntervalSince(started)
        let columnCount = columns ?? Int(Double(count).squareRoot().rounded(.up))
        try SampleGrid(images: images, columns: columnCount).write(to: outputURL)
        let name = label.map { classNames[$0] } ?? "unconditional"
        // Typed here: inside a CVarArg list the literal 1 would be passed as an Int to a %f.
        let appliedGuidance: Double = label == nil ? 1 : guidance
        print(String(format: "generated %d %@ images in %.1f s (%@, %d steps, guidance %.1f); wrote %@", count, name, seconds,
                     sampler.rawValue, steps, appliedGuidance, outputURL.path))
        var line: [String: Any] = ["output": outputURL.path, "count": count, "sampler": sampler.rawValue, "steps": steps,
                                   "guidance": appliedGuidance, "seconds": (seconds * 1000).rounded() / 1000,
                                   "class_name": name, "seed": seed]
        line["class"] = label ?? NSNull()
        let json = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: json, as: UTF8.self))
    }
}
