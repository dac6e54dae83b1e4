import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseNN

/// `UNet2D` against Hugging Face diffusers 0.42's `UNet2DModel` (`scripts/make-unet-fixtures.py`):
/// 2 → 3 channels, 8×8 samples, resolutions of 4, 8, 8 channels with attention only at the lowest
/// (2 heads of 4), two residual blocks per resolution (three in each up block), 2 norm groups, 3
/// classes plus the null class, randomised GroupNorm parameters and biases. diffusers' state dict
/// loads strictly under its own names; the sinusoidal and MLP time embeddings, the output, and the
/// gradients of the input and of all weights agree within rtol 1e-4, atol 2e-5 (float32 here,
/// float64 there; the fixture's float32 and float64 runs differ by 6e-7).
@Suite struct UNet2DTests {
    static let rtol = 1e-4, atol = 2e-5

    static let archive: SafeTensorsArchive? = {
        guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { return nil }
        return try? SafeTensorsArchive(contentsOf: dir.appendingPathComponent("diffusion/unet2d.safetensors"))
    }()

    static func configuration(classes: Int?) -> UNet2DConfiguration {
        var c = UNet2DConfiguration()
        c.inChannels = 2
        c.outChannels = 3
        c.blockChannels = [4, 8, 8]
        c.attention = [false, false, true]
        c.layersPerBlock = 2
        c.normGroups = 2
        c.attentionHeadDimension = 4
        c.classes = classes
        return c
    }

    /// The fixture's `model.*` tensors under diffusers' names, without the class embedding when `classes` is false.
    static func diffusersState(_ archive: SafeTensorsArchive, classes: Bool) throws -> [String: Tensor] {
        var state: [String: Tensor] = [:]
        for name in archive.names where name.hasPrefix("model.") {
            let key = String(name.dropFirst("model.".count))
            if !classes && key.hasPrefix("class_embedding.") { continue }
            state[key] = try archive.tensor(name)
        }
        return state
    }

    @Test func matchesDiffusersForwardAndBackward() throws {
        let archive = try #require(Self.archive, "Fixtures/diffusion/unet2d.safetensors")
        let model = UNet2D(Self.configuration(classes: 3), generator: RandomGenerator(seed: 1))
        let state = try Self.diffusersState(archive, classes: true)
        try model.loadStateDict(state)
        #expect(Set(model.stateDict().keys) == Set(state.keys))
        model.eval()

        let timesteps = try archive.intTensor("input.timesteps").scalars
        let labels = try archive.intTensor("input.class_labels").scalars
        let sinusoid = sinusoidalTimestepEmbedding(timesteps, dimension: 4)
        expectClose(sinusoid, try archive.tensor("time_proj"), rtol: 1e-5, atol: 1e-6, "time_proj")
        expectClose(model.timeEmbedding(sinusoid), try archive.tensor("time_emb"), rtol: Self.rtol, atol: Self.atol, "time_embedding")

        let x = try archive.tensor("input.sample").requiringGrad()
        let output = model(x, timesteps: timesteps, classLabels: labels)
        expectClose(output, try archive.tensor("output"), rtol: Self.rtol, atol: Self.atol, "output")
        (output * (try archive.tensor("loss_weights"))).sum().backward()
        expectClose(try #require(x.grad), try archive.tensor("grad.input"), rtol: Self.rtol, atol: Self.atol, "input gradient")
        for (name, parameter) in model.namedParameters() {
            let grad = try #require(parameter.grad, "no gradient for \(name)")
            expectClose(grad, try archive.tensor("grad.model." + name), rtol: Self.rtol, atol: Self.atol, "gradient of \(name)")
        }
    }

    @Test func unconditionalModelMatchesDiffusers() throws {
        let archive = try #require(Self.archive, "Fixtures/diffusion/unet2d.safetensors")
        let model = UNet2D(Self.configuration(classes: nil), generator: RandomGenerator(seed: 1))
        try model.loadStateDict(try Self.diffusersState(archive, classes: false))
        model.eval()
        let sample = try archive.tensor("nocls.input.sample"), timesteps = try archive.intTensor("nocls.input.timesteps").scalars
        let output = withoutGradients { model(sample, timesteps: timesteps) }
        expectClose(output, try archive.tensor("nocls.output"), rtol: Self.rtol, atol: Self.atol, "unconditional output")
    }

    @Test func recipeSizesAndNames() {
        let model = UNet2D(UNet2DConfiguration(), generator: RandomGenerator(seed: 0))
        let shapes = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.0, $0.1.shape) })
        // The names and shapes of diffusers' UNet2DModel with the same config (probed with 0.42.1).
        #expect(shapes["conv_in.weight"] == [16, 1, 3, 3])
        #expect(shapes["time_embedding.linear_1.weight"] == [64, 16])
        #expect(shapes["class_embedding.weight"] == [11, 64])
        #expect(shapes["down_blocks.1.resnets.0.conv_shortcut.weight"] == [32, 16, 1, 1])
        #expect(shapes["down_blocks.2.attentions.0.to_q.weight"] == [64, 64])
        #expect(shapes["mid_block.attentions.0.to_out.0.weight"] == [64, 64])
        #expect(shapes["up_blocks.0.resnets.0.norm1.weight"] == [128])
        #expect(shapes["up_blocks.1.resnets.1.conv1.weight"] == [32, 48, 3, 3])   // 32 + the 16-channel downsampled skip
        #expect(shapes["up_blocks.1.upsamplers.0.conv.weight"] == [32, 32, 3, 3])
        #expect(shapes["up_blocks.2.resnets.1.conv1.weight"] == [16, 32, 3, 3])
        #expect(shapes["up_blocks.2.upsamplers.0.conv.weight"] == nil)
        #expect(shapes["conv_out.weight"] == [1, 16, 3, 3])
        #expect(shapes["down_blocks.0.attentions.0.to_q.weight"] == nil)
        #expect(model.parameterCount == UNet2DConfiguration().parameterCount)
        #expect(UNet2D(Self.configuration(classes: 3)).parameterCount == Self.configuration(classes: 3).parameterCount)
        #expect(Self.configuration(classes: 3).parameterCount == 26_783)   // diffusers' count for the fixture's model
        let output = withoutGradients { model(Tensor.randn([2, 1, 28, 28]), timesteps: [3, 900], classLabels: [0, 10]) }
        #expect(output.shape == [2, 1, 28, 28])
    }

    @Test func configurationProblemsAreReportedBeforeBuilding() {
        var c = UNet2DConfiguration()
        #expect(c.problem == nil && c.imageProblem(height: 28, width: 28) == nil && c.imageProblem(height: 30, width: 28) != nil)
        c.attentionHeadDimension = 24            // divides neither 64 (attending) nor is it ≥ 64
        #expect(c.problem?.contains("head dimension") == true)
        c.attentionHeadDimension = 64
        c.blockChannels = [16, 32, 48]           // a head dimension of 64 ≥ 48 channels: one head
        #expect(c.problem == nil)
        c.normGroups = 5
        #expect(c.problem?.contains("norm groups") == true)
        c = UNet2DConfiguration()
        c.attention = [true]
        #expect(c.problem?.contains("attention lists") == true)
    }

    @Test func nearestUpsamplingGradients() {
        let x = Tensor.randn([1, 2, 3, 2], generator: RandomGenerator(seed: 3))
        let up = upsampleNearest(x, scale: 2)
        #expect(up.shape == [1, 2, 6, 4])
        #expect(up.scalars[0] == x.scalars[0] && up.scalars[1] == x.scalars[0] && up.scalars[4] == x.scalars[0])
        let weights = Tensor.randn([1, 2, 9, 6], generator: RandomGenerator(seed: 4))
        FiniteDifference.check("upsampleNearest", [x]) { inputs in (upsampleNearest(inputs[0], scale: 3) * weights).sum() }
    }
}
