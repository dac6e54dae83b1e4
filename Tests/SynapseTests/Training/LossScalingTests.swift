import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseNN
@testable import SynapseOptim
@testable import SynapseData
@testable import SynapseTraining

/// Dynamic loss scaling: `GradientScaler`'s schedule (PyTorch `GradScaler`'s update rule), skipped
/// steps, and `Trainer` at `.float16`: overflow skips steps without calling it divergence, real NaN
/// gradients still stop training, and a resumed run continues bit-identically with the scale.
@Suite("Training: float16 with dynamic loss scaling")
struct LossScalingTests {
    /// One parameter whose gradient is set by hand.
    static func parameter(gradient: [Float]) -> Parameter {
        let p = Parameter(Tensor([1, 2]))
        p.grad = Tensor(gradient)
        return p
    }

    @Test("the scale backs off on overflow, grows after growthInterval good steps, and stops at minimumScale")
    func schedule() {
        let scaler = GradientScaler(initialScale: 8, growthInterval: 3, minimumScale: 1)
        // PyTorch's rule: inf → ×0.5 and the count restarts; the 3rd consecutive good step → ×2.
        let steps: [(finite: Bool, scale: Float, tracker: Int)] = [
            (false, 4, 0), (true, 4, 1), (true, 4, 2), (true, 8, 0), (true, 8, 1),
            (false, 4, 0), (false, 2, 0), (false, 1, 0), (false, 1, 0), (true, 1, 1),
        ]
        for (i, s) in steps.enumerated() {
            let p = Self.parameter(gradient: s.finite ? [16, -8] : [.infinity, 1])
            let finite = scaler.unscaleGradients(of: [p])
            #expect(finite == s.finite && scaler.foundNonFinite == !s.finite)
            #expect(scaler.unscaleGradients(of: [p]) == finite, "a second call in the same step changes nothing")
            scaler.update()
            #expect(scaler.scale == s.scale && scaler.growthTracker == s.tracker, "step \(i + 1)")
        }
        #expect(scaler.skippedSteps == 5)
    }

    @Test("unscaling divides the gradients; a step with overflowed gradients is skipped")
    func stepping() throws {
        let scaler = GradientScaler(initialScale: 1024)
        let p = Parameter(Tensor([1, 2]))
        let optimizer = SGD([p], learningRate: 0.5)
        scaler.scaled((p.value * Tensor([3, -4])).sum()).backward()
        let scaledGradient = try #require(p.grad).scalars
        #expect(scaledGradient == [3 * 1024, -4 * 1024])
        #expect(scaler.step(optimizer))
        let stepped: [Float] = [-0.5, 4]
        #expect(p.value.scalars == stepped, "the optimizer saw the true gradient")
        scaler.update()

        optimizer.zeroGrad()
        p.grad = Tensor([.nan, 1])
        #expect(!scaler.step(optimizer))
        #expect(p.value.scalars == stepped, "no update from non-finite gradients")
        scaler.update()
        #expect(scaler.scale == 512)
    }

    @Test("scaler state round-trips, and bad state is a typed error")
    func state() throws {
        let a = GradientScaler(initialScale: 256, growthInterval: 2)
        a.update()
        let b = GradientScaler()
        try b.loadStateDict(a.stateDict())
        #expect(b.scale == 256 && b.growthTracker == 1)
        for bad: [String: Double] in [[:], ["scale": -1, "growth_tracker": 0], ["scale": .nan, "growth_tracker": 0],
                                      ["scale": 1e300, "growth_tracker": 0], ["scale": 2, "growth_tracker": 1.5]] {
            #expect(throws: OptimizerError.self) { try b.loadStateDict(bad) }
        }
        #expect(b.scale == 256, "a refused state changes nothing")
    }

    /// Records the batch logs' loss-scaling entries.
    final class ScaleRecorder: TrainingCallback {
        var skipped = 0, scales: [Double] = [], clippedWhileSkipped = 0
        func afterBackward(_ context: TrainingContext) throws {
            if context.batchLogs["skipped_step"] != nil { clippedWhileSkipped += 1 }
        }
        func batchEnd(_ context: TrainingContext) throws {
            if context.batchLogs["skipped_step"] == 1 { skipped += 1 }
            if let s = context.batchLogs["loss_scale"] { scales.append(s) }
        }
    }

    @Test("float16 training: overflow skips steps and backs off, the model still learns")
    func float16Training() throws {
        let dir = try TrainerFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let recorder = ScaleRecorder()
        let run = TrainingRun(directory: dir, extra: [recorder])
        run.trainer.precision = .float16
        // 2³⁰ is far too large: the first steps overflow float16 gradients and are skipped.
        run.trainer.gradientScaler = GradientScaler(initialScale: 0x1p30, growthInterval: 8)
        let history = try run.trainer.fit(epochs: 6)
        let first = try #require(history.records.first?.values), last = try #require(history.records.last?.values)
        #expect((first["skipped_steps"] ?? 0) >= 1, "\(first)")
        #expect(recorder.skipped >= 1 && recorder.clippedWhileSkipped == 0, "clipping never sees the gradients of a skipped step")
        #expect((last["loss_scale"] ?? 0) < 0x1p30 && (last["loss_scale"] ?? 0) >= 1)
        #expect(recorder.scales.count == 6 * 12)
        #expect(run.trainer.context.globalStep == 6 * 12, "skipped steps still count as steps")
        #expect((last["val_accuracy"] ?? 0) > 0.6, "\(last)")
        #expect(run.model.parameters().allSatisfy { $0.value.isAllFinite })

        // A float16 trainer without a scaler gets PyTorch's default one.
        let plain = TrainingRun(directory: dir)
        plain.trainer.precision = .float16
        try plain.trainer.fit(epochs: 1)
        #expect(plain.trainer.gradientScaler?.scale ?? 0 >= 1 && plain.trainer.gradientScaler?.growthInterval == 2000)
    }

    @Test("non-finite gradients that no scale avoids are divergence, reported after backing off to the minimum")
    func divergenceAtMinimumScale() throws {
        let p = Parameter(Tensor([1, 2]))
        let optimizer = SGD([p], learningRate: 0.1)
        // √(0·w) is 0 whatever w is, but its gradient is 0·∞ = NaN: a finite loss with NaN gradients.
        let objective = TrainingObjective<TensorDataset.Batch>(
            forward: { batch in (batch.features, sqrt(p.value * 0).sum() + batch.features.sum() * 0) },
            targets: { $0.features })
        let data = TensorDataset(features: Tensor.ones([8, 2]), labels: IntTensor([0, 0, 0, 0, 0, 0, 0, 0]))
        let trainer = Trainer(model: Sequential([Linear(2, 2)]), optimizer: optimizer, objective: objective,
                              train: DataLoader(data, batchSize: 2))
        trainer.gradientScaler = GradientScaler(initialScale: 4, minimumScale: 1)
        do {
            try trainer.fit(epochs: 1)
            Issue.record("NaN gradients were skipped for ever")
        } catch let TrainingError.nonFinite(value) {
            #expect(value.step == 3, "steps 1 and 2 back off from 4 to 1; step 3 is at the minimum: \(value)")
            guard case .gradient = value.quantity else { Issue.record("\(value)"); return }
        }
        #expect(p.value.scalars == [1, 2])
    }

    @Test("a float16 run resumed from its checkpoint continues bit-identically, scale included")
    func resume() throws {
        let dirA = try TrainerFixtures.temporaryDirectory(), dirB = try TrainerFixtures.temporaryDirectory()
        defer { for d in [dirA, dirB] { try? FileManager.default.removeItem(at: d) } }
        func run(_ dir: URL, extra: [any TrainingCallback] = []) -> TrainingRun {
            let r = TrainingRun(directory: dir, extra: extra)
            r.trainer.precision = .float16
            r.trainer.gradientScaler = GradientScaler(initialScale: 0x1p24, growthInterval: 5)
            return r
        }
        let uninterrupted = run(dirA)
        try uninterrupted.trainer.fit(epochs: 4)
        try run(dirB, extra: [StopAfter(epoch: 2)]).trainer.fit(epochs: 4)
        let checkpoint = try Checkpoint.read(from: dirB.appendingPathComponent("epoch-2.safetensors"))
        #expect(checkpoint.callbacks["gradient_scaler"]?.values["scale"] != nil)
        let resumed = run(dirB)
        try resumed.trainer.resume(from: dirB.appendingPathComponent("epoch-2.safetensors"))
        try resumed.trainer.fit(epochs: 4)
        #expect(TrainerTests.bits(resumed.model.stateDict()) == TrainerTests.bits(uninterrupted.model.stateDict()))
        #expect(resumed.trainer.gradientScaler?.scale == uninterrupted.trainer.gradientScaler?.scale)
        #expect(resumed.trainer.gradientScaler?.growthTracker == uninterrupted.trainer.gradientScaler?.growthTracker)
    }
}
