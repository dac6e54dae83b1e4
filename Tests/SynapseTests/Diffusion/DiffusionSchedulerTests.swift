import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO

/// The DDPM and DDIM samplers and their noise schedules against Hugging Face diffusers 0.42
/// (`scripts/make-diffusion-fixtures.py`): β and ᾱ of the linear and cosine schedules,
/// `add_noise`, `get_velocity`, the inference timesteps, and one `step` in the middle and at the
/// end of sampling, for ε- and v-prediction, with and without clipping, DDIM at η = 0 and 1.
///
/// Tolerances: β and ᾱ within rtol 2e-4 (diffusers computes them in float32, we in Double);
/// `add_noise` and `get_velocity` within rtol 1e-4, atol 1e-5; a step within rtol 1e-3, atol 1e-4
/// (x̂₀ divides by √ᾱ_t, which magnifies ᾱ's float32 rounding late in the schedule).
@Suite struct DiffusionSchedulerTests {
    static let archive: SafeTensorsArchive? = {
        guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { return nil }
        return try? SafeTensorsArchive(contentsOf: dir.appendingPathComponent("diffusion/schedulers.safetensors"))
    }()

    static func fixture() throws -> SafeTensorsArchive { try #require(archive, "Fixtures/diffusion/schedulers.safetensors") }

    /// The fixture's case names (`ddpm.linear.epsilon.clip`, …).
    static func cases(_ prefix: String) throws -> [String] {
        Set(try fixture().names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".betas") }.map { String($0.dropLast(".betas".count)) }).sorted()
    }

    static func schedule(_ name: String) -> DiffusionSchedule {
        DiffusionSchedule(trainingSteps: 1000, kind: name.contains(".linear.") ? .linear : .cosine)
    }

    static func prediction(_ name: String) -> DiffusionPrediction { name.contains(".v_prediction.") ? .velocity : .epsilon }

    func checkForwardProcess(_ name: String, _ schedule: DiffusionSchedule, timesteps: [Int]) throws {
        let a = try Self.fixture()
        expectClose(Tensor(shape: [1000], scalars: schedule.betas.map(Float.init)), try a.tensor("\(name).betas"), rtol: 2e-4, atol: 1e-9, "\(name) betas")
        expectClose(Tensor(shape: [1000], scalars: schedule.alphasCumprod.map(Float.init)), try a.tensor("\(name).alphas_cumprod"),
                    rtol: 2e-4, atol: 1e-9, "\(name) alphas_cumprod")
        #expect(timesteps == (try a.intTensor("\(name).timesteps")).scalars, "\(name) timesteps")
        let x0 = try a.tensor("\(name).x0"), noise = try a.tensor("\(name).noise"), t = try a.intTensor("\(name).t").scalars
        expectClose(schedule.addNoise(x0, noise: noise, timesteps: t), try a.tensor("\(name).noisy"), rtol: 1e-4, atol: 1e-5, "\(name) add_noise")
        expectClose(schedule.velocity(x0, noise: noise, timesteps: t), try a.tensor("\(name).velocity"), rtol: 1e-4, atol: 1e-5, "\(name) velocity")
    }

    func checkSteps(_ name: String, _ sampler: some DiffusionSampler) throws {
        let a = try Self.fixture()
        for which in ["a", "last"] {
            let p = "\(name).step.\(which)"
            let t = try a.intTensor(p + ".t").scalars[0]
            let step = sampler.step(modelOutput: try a.tensor(p + ".model_output"), timestep: t, sample: try a.tensor(p + ".sample"),
                                    noise: try a.tensor(p + ".variance_noise"))
            expectClose(step.predictedOriginal, try a.tensor(p + ".pred_original_sample"), rtol: 1e-3, atol: 1e-4, "\(p) pred_original_sample")
            expectClose(step.previousSample, try a.tensor(p + ".prev_sample"), rtol: 1e-3, atol: 1e-4, "\(p) prev_sample (t \(t))")
        }
    }

    @Test func ddpmMatchesDiffusers() throws {
        let names = try Self.cases("ddpm.")
        #expect(names.count == 8)
        for name in names {
            let schedule = Self.schedule(name)
            let sampler = DDPMSampler(schedule: schedule, prediction: Self.prediction(name), inferenceSteps: 50, clipSample: name.hasSuffix(".clip"))
            try checkForwardProcess(name, schedule, timesteps: sampler.timesteps)
            try checkSteps(name, sampler)
        }
    }

    @Test func ddimMatchesDiffusers() throws {
        let names = try Self.cases("ddim.")
        #expect(names.count == 9)
        for name in names {
            let schedule = Self.schedule(name)
            let sampler = DDIMSampler(schedule: schedule, prediction: Self.prediction(name), inferenceSteps: 50,
                                      eta: name.contains(".eta1") ? 1 : 0, clipSample: name.hasSuffix(".clip"))
            try checkForwardProcess(name, schedule, timesteps: sampler.timesteps)
            try checkSteps(name, sampler)
        }
    }

    @Test func deterministicDDIMInvertsTheForwardProcessOfAPerfectModel() {
        // With a model that returns the true noise of x_t = √ᾱ·x₀ + √(1−ᾱ)·ε, DDIM at η = 0 lands on x₀.
        let schedule = DiffusionSchedule(kind: .cosine)
        let g = RandomGenerator(seed: 5)
        let x0 = Tensor.rand([2, 1, 3, 3], generator: g) * 2 - 1, epsilon = Tensor.randn([2, 1, 3, 3], generator: g)
        let sampler = DDIMSampler(schedule: schedule, inferenceSteps: 20)
        var x = schedule.addNoise(x0, noise: epsilon, timesteps: [sampler.timesteps[0], sampler.timesteps[0]])
        for t in sampler.timesteps {
            x = sampler.step(modelOutput: epsilon, timestep: t, sample: x, noise: Tensor.zeros(x.shape)).previousSample
        }
        expectClose(x, x0, rtol: 1e-3, atol: 1e-3, "DDIM(η = 0) with the true noise")
    }

    @Test func samplersRefuseMismatchedShapesAndTimestepsBeyondTheSchedule() {
        let schedule = DiffusionSchedule(trainingSteps: 10)
        #expect(schedule.inferenceTimesteps(5) == [8, 6, 4, 2, 0])
        #expect(DDPMSampler(schedule: schedule).timesteps == Array((0..<10).reversed()))
        #expect(schedule.alphaCumprod(-1) == 1)
    }
}
