import Foundation
import Synapse

/// Diffusion-model weights (`synapse train --model ddpm` output, read by `DiffusionModelFile.load`
/// behind `synapse sample` and `synapse evaluate`): safetensors whose metadata describes the UNet
/// (channels, attention, blocks, groups, heads, classes, image shape) and the noise schedule.
///
/// Seeds: a small class-conditional (10 classes) and an unconditional UNet (two resolutions of 8
/// and 16 channels, attention at the lower one) for Fashion-MNIST's 28×28 grey images, with real
/// initial weights.
///
/// Accepted corruption: a mutated digit may be a legitimately different size or timestep count,
/// so a mutant may load, but only if what was built is what the bytes say, checked against an
/// independent reading of the metadata: the configuration, schedule, prediction, dataset and image
/// shape equal the metadata's values; every weight equals the file's tensor of that name; and,
/// when every weight is of ordinary size (below 1e6), a forward pass on a finite input is finite.
struct DiffusionModelTarget: FuzzTarget {
    let name = "diffusion-model"

    static func configuration(classes: Int?) -> UNet2DConfiguration {
        var c = UNet2DConfiguration()
        c.blockChannels = [8, 16]
        c.attention = [false, true]
        c.normGroups = 4
        c.attentionHeadDimension = 8
        c.classes = classes
        return c
    }

    func seeds() throws -> [[UInt8]] {
        let cases: [(Int?, DiffusionPrediction, NoiseSchedule)] = [(10, .epsilon, .linear), (nil, .velocity, .cosine)]
        return try cases.enumerated().map { i, seed in
            let c = Self.configuration(classes: seed.0)
            let model = UNet2D(c, generator: RandomGenerator(seed: UInt64(i + 1)))
            let url = FuzzScratchFile.url("diffusion-seed-\(i)")
            defer { try? FileManager.default.removeItem(at: url) }
            try model.save(to: url, metadata: DiffusionModelFile.metadata(
                unet: c, dataset: .fashionMNIST, imageShape: [1, 28, 28], schedule: DiffusionSchedule(trainingSteps: 100, kind: seed.2),
                prediction: seed.1))
            return [UInt8](try Data(contentsOf: url))
        }
    }

    func check(_ mutant: [UInt8], original: [UInt8]) -> FuzzVerdict {
        guard let url = FuzzScratchFile.write(mutant, name: "diffusion-model") else { return .rejected }
        let file: DiffusionModelFile
        do { file = try DiffusionModelFile.load(from: url) } catch { return .rejected }
        guard let archive = try? SafeTensorsArchive(data: Data(mutant)) else { return .corruptionAccepted("loaded, but the archive does not parse") }
        let m = archive.metadata
        func ints(_ key: String) -> [Int]? {
            guard let text = m[key] else { return nil }
            let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            return parts.contains(nil) ? nil : parts.map { $0! }
        }
        let c = file.model.configuration
        let expected: [(String, [Int]?, [Int])] = [
            ("block_channels", ints("block_channels"), c.blockChannels), ("attention", ints("attention"), c.attention.map { $0 ? 1 : 0 }),
            ("layers_per_block", ints("layers_per_block"), [c.layersPerBlock]), ("norm_groups", ints("norm_groups"), [c.normGroups]),
            ("attention_head_dim", ints("attention_head_dim"), [c.attentionHeadDimension]), ("classes", ints("classes"), [c.classes ?? 0]),
            ("out_channels", ints("out_channels"), [c.outChannels]), ("image_shape", ints("image_shape"), file.imageShape),
            ("diffusion_steps", ints("diffusion_steps"), [file.schedule.trainingSteps]),
        ]
        for (key, read, built) in expected where read != built {
            return .corruptionAccepted("metadata \(key) = \(m[key] ?? "nil") but the model has \(built)")
        }
        guard m["task"] == "diffusion", m["schedule"] == file.schedule.kind.rawValue, m["prediction"] == file.prediction.rawValue,
              m["dataset"] == file.dataset.rawValue, file.imageShape.first == c.inChannels else {
            return .corruptionAccepted("the task, schedule, prediction, dataset or channels differ from the metadata")
        }
        let state = file.model.stateDict()
        guard Set(state.keys) == Set(archive.names) else { return .corruptionAccepted("the model's names differ from the file's tensors") }
        for (name, value) in state {
            guard let stored = try? archive.tensor(name), stored.shape == value.shape, stored.scalars == value.scalars else {
                return .corruptionAccepted("weight \(name) differs from the file")
            }
        }
        // A mutated value can be finite yet huge (1e37): the file then says so, and overflow in the
        // forward pass is what those weights compute. Only ordinary weights must give finite outputs.
        guard state.values.allSatisfy({ $0.scalars.allSatisfy { abs($0) < 1e6 } }) else { return .accepted }
        let side = file.imageShape
        let x = Tensor.randn([1] + side, generator: RandomGenerator(seed: 3))
        let output = withoutGradients { file.model(x, timesteps: [5], classLabels: c.classes.map { [$0] }) }
        guard output.shape == [1, c.outChannels, side[1], side[2]], output.scalars.allSatisfy(\.isFinite) else {
            return .corruptionAccepted("a finite input gave \(output.shape) or non-finite outputs")
        }
        return .accepted
    }
}
