import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseNN
@testable import SynapseOptim

/// `Fixtures/schedules/schedules.json`: the learning rate PyTorch's schedulers give over 30 steps.
struct ScheduleGolden: Decodable {
    struct Case: Decodable {
        let initial_lr: Double
        let lrs: [Double]
        let lr_after_last_step: Double
        let momentums: [Double]?
        let val_losses: [Double]?
    }
    let num_steps: Int
    let schedules: [String: Case]

    static func load() throws -> ScheduleGolden {
        guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw Golden.Failure("the test bundle has no Fixtures directory")
        }
        let data = try Data(contentsOf: dir.appendingPathComponent("schedules/schedules.json"))
        return try JSONDecoder().decode(ScheduleGolden.self, from: data)
    }
}

@Suite("Optim: learning-rate schedules vs PyTorch")
struct ScheduleGoldenTests {
    /// The Synapse schedule for each golden case (hyper-parameters from the case's `call`).
    static let schedules: [String: any LRSchedule] = [
        "StepLR": StepLR(stepSize: 7, gamma: 0.5),
        "MultiStepLR": MultiStepLR(milestones: [8, 15, 22], gamma: 0.3),
        "ExponentialLR": ExponentialLR(gamma: 0.9),
        "CosineAnnealingLR": CosineAnnealingLR(tMax: 30, etaMin: 0.0001),
        "OneCycleLR": OneCycleLR(maxLearningRate: 1.0, totalSteps: 30, pctStart: 0.3, annealing: .cosine, cycleMomentum: true,
                                 baseMomentum: 0.85, maxMomentum: 0.95, divFactor: 25, finalDivFactor: 10000, threePhase: false),
        "LinearLR_warmup_then_Cosine_SequentialLR": SequentialLR([LinearLR(startFactor: 0.1, endFactor: 1, totalSteps: 5),
                                                                  CosineAnnealingLR(tMax: 25, etaMin: 0.0001)], milestones: [5]),
    ]

    static func expectRelative(_ actual: Double, _ expected: Double, _ label: String,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(Swift.abs(actual - expected) <= 1e-6 * Swift.abs(expected), "\(label): \(actual) vs \(expected)",
                sourceLocation: sourceLocation)
    }

    @Test("every golden schedule is covered")
    func coverage() throws {
        let golden = try ScheduleGolden.load()
        #expect(Set(golden.schedules.keys) == Set(Self.schedules.keys).union(["ReduceLROnPlateau"]))
    }

    @Test("step-count schedules match PyTorch, learning rate and momentum",
          arguments: ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "OneCycleLR",
                      "LinearLR_warmup_then_Cosine_SequentialLR"])
    func stepSchedules(_ name: String) throws {
        let c = try #require(try ScheduleGolden.load().schedules[name])
        let optimizer = SGD([Parameter(Tensor([1]))], learningRate: c.initial_lr, momentum: 0.9)
        let scheduler = ScheduledLR(optimizer, schedule: try #require(Self.schedules[name]), baseLearningRate: c.initial_lr)
        for (i, expected) in c.lrs.enumerated() {
            Self.expectRelative(scheduler.learningRate, expected, "\(name) lr[\(i)]")
            #expect(optimizer.learningRate == scheduler.learningRate)
            if let momentums = c.momentums {
                Self.expectRelative(try #require(scheduler.schedule.momentum(at: i)), momentums[i], "\(name) momentum[\(i)]")
                #expect(optimizer.momentum == scheduler.schedule.momentum(at: i))
            }
            optimizer.step()
            scheduler.step()
        }
        Self.expectRelative(scheduler.learningRate, c.lr_after_last_step, "\(name) after last step")
    }

    @Test("ReduceLROnPlateau matches PyTorch on the recorded validation losses")
    func plateau() throws {
        let c = try #require(try ScheduleGolden.load().schedules["ReduceLROnPlateau"])
        let losses = try #require(c.val_losses)
        let optimizer = SGD([Parameter(Tensor([1]))], learningRate: c.initial_lr, momentum: 0.9)
        let scheduler = ReduceLROnPlateau(optimizer, mode: .min, factor: 0.5, patience: 2, threshold: 0.01,
                                          thresholdMode: .relative, cooldown: 1, minLearningRate: 0.001, eps: 1e-8, baseLearningRate: c.initial_lr)
        for (i, expected) in c.lrs.enumerated() {
            Self.expectRelative(scheduler.learningRate, expected, "plateau lr[\(i)]")
            scheduler.step(metric: losses[i])
        }
        Self.expectRelative(scheduler.learningRate, c.lr_after_last_step, "plateau after last step")
    }

    @Test("scheduler state round-trips: a restored scheduler continues identically")
    func stateRoundTrip() throws {
        let optimizer = SGD([Parameter(Tensor([1]))], learningRate: 0.1)
        let a = ScheduledLR(optimizer, schedule: CosineAnnealingLR(tMax: 10))
        for _ in 0..<4 { a.step() }
        let b = ScheduledLR(SGD([Parameter(Tensor([1]))], learningRate: 0.1), schedule: CosineAnnealingLR(tMax: 10))
        try b.loadStateDict(a.stateDict())
        #expect(b.stepCount == 4 && b.learningRate == a.learningRate && b.optimizer.learningRate == optimizer.learningRate)
        #expect(throws: SchedulerError.self) { try b.loadStateDict(["step": 1]) }

        let p1 = ReduceLROnPlateau(optimizer, patience: 0)
        for v in [1.0, 2, 3] { p1.step(metric: v) }
        let p2 = ReduceLROnPlateau(SGD([Parameter(Tensor([1]))], learningRate: 0.1), patience: 0)
        try p2.loadStateDict(p1.stateDict())
        p1.step(metric: 4); p2.step(metric: 4)
        #expect(p1.stateDict() == p2.stateDict())
    }

    @Test("chaining multiplies factors; warm-up scales any schedule; momentum is cycled on Adam's beta1")
    func chainingAndMomentum() {
        let chained = ChainedLR([StepLR(stepSize: 2, gamma: 0.5), ExponentialLR(gamma: 0.9)])
        for t in 0..<6 {
            Self.expectRelative(chained.learningRate(at: t, baseLearningRate: 0.2), 0.2 * Foundation.pow(0.5, Double(t / 2)) * Foundation.pow(0.9, Double(t)), "chained \(t)")
        }
        let adam = Adam([Parameter(Tensor([1]))], learningRate: 1)
        let s = ScheduledLR(adam, schedule: OneCycleLR(maxLearningRate: 0.01, totalSteps: 10))
        #expect(Swift.abs(adam.betas.0 - 0.95) < 1e-12)
        s.step()
        #expect(adam.betas.0 < 0.95 && adam.learningRate > 0.01 / 25)
    }
}
