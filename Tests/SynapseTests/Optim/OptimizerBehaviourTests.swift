import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseNN
@testable import SynapseOptim

/// Kinds of optimizer exercised by the behaviour tests, each with non-trivial settings.
enum OptimizerKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sgd, sgdMomentum, sgdNesterov, adam, adamAMSGrad, adamW

    func make(_ params: [Parameter]) -> any Optimizer {
        switch self {
        case .sgd: return SGD(params, learningRate: 0.1, weightDecay: 0.01)
        case .sgdMomentum: return SGD(params, learningRate: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01)
        case .sgdNesterov: return SGD(params, learningRate: 0.05, momentum: 0.9, nesterov: true)
        case .adam: return Adam(params, learningRate: 0.01, weightDecay: 0.01)
        case .adamAMSGrad: return Adam(params, learningRate: 0.01, betas: (0.9, 0.9), amsgrad: true)
        case .adamW: return AdamW(params, learningRate: 0.01, weightDecay: 0.1)
        }
    }

    var testDescription: String { rawValue }
}

/// A small regression problem: the gradients come from a real forward/backward pass.
private struct Problem {
    let model: Sequential
    let x: Tensor
    let y: Tensor

    init(seed: UInt64) {
        let g = RandomGenerator(seed: seed)
        model = Sequential { Linear(5, 7, generator: g); Tanh(); Linear(7, 3, generator: g) }
        x = Tensor.randn([16, 5], generator: RandomGenerator(seed: seed + 1))
        y = Tensor.randn([16, 3], generator: RandomGenerator(seed: seed + 2))
    }

    /// zeroGrad, forward, backward (the tape is released by `backward`).
    func computeGradients(_ optimizer: any Optimizer) {
        optimizer.zeroGrad()
        mseLoss(model(x), y).backward()
    }

    func train(_ optimizer: any Optimizer, steps: Int) {
        for _ in 0..<steps {
            computeGradients(optimizer)
            optimizer.step()
        }
    }

    var values: [[Float]] { model.parameters().map(\.value.scalars) }
}

/// The address of a parameter's storage.
private func address(_ p: Parameter) -> UnsafePointer<Float>? {
    p.value.withUnsafeBufferPointer { $0.baseAddress }
}

@Suite("Optim: optimizer behaviour")
struct OptimBehaviourTests {
    @Test("parameters without a gradient are skipped", arguments: OptimizerKind.allCases)
    func skipsParametersWithoutGradient(kind: OptimizerKind) {
        let a = Parameter(Tensor([1, 2, 3])), b = Parameter(Tensor([[1, -1], [2, -2]]))
        let optimizer = kind.make([a, b])
        let bBefore = b.value.scalars
        for _ in 0..<3 {
            a.grad = Tensor([0.5, -0.25, 1])
            b.grad = nil
            optimizer.step()
        }
        #expect(a.value.scalars != [1, 2, 3])
        #expect(b.value.scalars == bBefore)
        #expect(optimizer.stateDict().keys.allSatisfy { !$0.hasPrefix("1.") }, "state created for a skipped parameter")
        // Once b gets a gradient it is updated, and its own step count starts at 1.
        b.grad = Tensor([[1, 1], [1, 1]])
        a.grad = nil
        let aBefore = a.value.scalars
        optimizer.step()
        #expect(b.value.scalars != bBefore)
        #expect(a.value.scalars == aBefore)
        if optimizer is Adam {
            #expect(optimizer.stateDict()["0.step"]?.item() == 3)
            #expect(optimizer.stateDict()["1.step"]?.item() == 1)
        }
    }

    @Test("zeroGrad clears the gradients of its parameters")
    func zeroGrad() {
        let p = Parameter(Tensor([1, 2]))
        let optimizer = SGD([p], learningRate: 0.1)
        p.grad = Tensor([1, 1])
        optimizer.zeroGrad()
        #expect(p.grad == nil)
        optimizer.step()  // no gradient: nothing happens
        #expect(p.value.scalars == [1, 2])
    }

    @Test("the learning rate can be changed between steps")
    func learningRateIsMutable() {
        let p = Parameter(Tensor([1]))
        let optimizer: any Optimizer = SGD([p], learningRate: 0.1)
        p.grad = Tensor([1])
        optimizer.step()
        optimizer.learningRate = 0.5
        optimizer.step()
        #expect(Swift.abs(p.value.item() - (1 - 0.1 - 0.5)) < 1e-6)
    }

    /// Train 3 steps, save the state; optimizer A continues 2 steps, a fresh optimizer B on a copy of
    /// the parameters loads the saved state (through a safetensors round trip, as in a checkpoint)
    /// and takes the same 2 steps: the parameters must be identical bit for bit.
    @Test("stateDict/loadStateDict round trip continues identically", arguments: OptimizerKind.allCases)
    func stateDictRoundTrip(kind: OptimizerKind) throws {
        let problemA = Problem(seed: 100)
        let optimizerA = kind.make(problemA.model.parameters())
        problemA.train(optimizerA, steps: 3)

        let saved = optimizerA.stateDict()
        let modelState = problemA.model.stateDict()
        // Through the file format: names, shapes (including the scalar step counts) and values survive.
        let archive = try SafeTensorsArchive(data: SafeTensors.encode(saved))
        let restored = try Dictionary(uniqueKeysWithValues: archive.names.map { ($0, try archive.tensor($0)) })
        #expect(Set(restored.keys) == Set(saved.keys))

        let problemB = Problem(seed: 100)
        try problemB.model.loadStateDict(modelState)
        let optimizerB = kind.make(problemB.model.parameters())
        try optimizerB.loadStateDict(restored)
        #expect(Set(optimizerB.stateDict().keys) == Set(saved.keys))

        problemA.train(optimizerA, steps: 2)
        problemB.train(optimizerB, steps: 2)
        #expect(problemA.values == problemB.values)
        for (key, t) in optimizerA.stateDict() {
            #expect(optimizerB.stateDict()[key]?.scalars == t.scalars, "state \(key) differs")
        }

        // Control: without the state, B's steps would differ (the test is not vacuous) — except for
        // stateless plain SGD.
        let problemC = Problem(seed: 100)
        try problemC.model.loadStateDict(modelState)
        problemC.train(kind.make(problemC.model.parameters()), steps: 2)
        if kind != .sgd { #expect(problemC.values != problemA.values) } else { #expect(problemC.values == problemA.values) }
    }

    @Test("the saved state is a snapshot, not a live view")
    func stateDictIsASnapshot() {
        let problem = Problem(seed: 7)
        let optimizer = Adam(problem.model.parameters(), learningRate: 0.01)
        problem.train(optimizer, steps: 2)
        let saved = optimizer.stateDict()
        let copy = saved.mapValues(\.scalars)
        problem.train(optimizer, steps: 2)
        #expect(saved.mapValues(\.scalars) == copy)
    }

    @Test("loadStateDict rejects wrong shapes and unknown parameters", arguments: OptimizerKind.allCases)
    func loadStateDictValidates(kind: OptimizerKind) {
        let params = [Parameter(Tensor.zeros([3, 4])), Parameter(Tensor.zeros([4]))]
        let optimizer = kind.make(params)
        let wrongShape = ["1.exp_avg": Tensor.zeros([3, 4])]
        #expect(throws: OptimizerError.self) { try optimizer.loadStateDict(wrongShape) }
        do {
            try optimizer.loadStateDict(["0.momentum_buffer": Tensor.zeros([4, 3])])
            Issue.record("a wrong-shaped momentum buffer was accepted")
        } catch {
            #expect(error.description.contains("0.momentum_buffer"), "\(error)")
        }
        do {
            try optimizer.loadStateDict(["2.exp_avg": Tensor.zeros([4])])
            Issue.record("state for a parameter that does not exist was accepted")
        } catch {
            #expect(error.description.contains("2.exp_avg"), "\(error)")
        }
    }

    @Test("a failed loadStateDict keeps the previous state")
    func failedLoadKeepsState() throws {
        let problem = Problem(seed: 11)
        let optimizer = Adam(problem.model.parameters(), learningRate: 0.01)
        problem.train(optimizer, steps: 2)
        let before = optimizer.stateDict().mapValues(\.scalars)
        var bad = optimizer.stateDict()
        bad["0.exp_avg"] = Tensor.zeros([1])
        #expect(throws: OptimizerError.self) { try optimizer.loadStateDict(bad) }
        #expect(optimizer.stateDict().mapValues(\.scalars) == before)
    }

    /// After backward() and zeroGrad the parameter storage is uniquely owned, so an update must
    /// write into it in place: reallocating every parameter on every step would double the memory
    /// traffic of training.
    @Test("updates parameters in place (no reallocation per step)", arguments: OptimizerKind.allCases)
    func updatesInPlace(kind: OptimizerKind) {
        let problem = Problem(seed: 21)
        let params = problem.model.parameters()
        let optimizer = kind.make(params)
        problem.train(optimizer, steps: 1)  // state buffers exist from here on
        for step in 0..<3 {
            // The usual loop body; `loss` stays alive across step() (backward already released its tape).
            optimizer.zeroGrad()
            let loss = mseLoss(problem.model(problem.x), problem.y)
            loss.backward()
            let before = params.map(address), valuesBefore = params.map(\.value.scalars)
            optimizer.step()
            let after = params.map(address)
            withExtendedLifetime(loss) {}
            for i in params.indices {
                #expect(before[i] == after[i], "\(kind) step \(step): parameter \(i) was reallocated by step()")
                #expect(params[i].value.scalars != valuesBefore[i], "\(kind) step \(step): parameter \(i) not updated")
            }
        }
    }

    /// The same with gradients assigned directly (no autodiff tape involved at all).
    @Test("Adam updates in place with assigned gradients")
    func adamInPlaceWithAssignedGradients() {
        let p = Parameter(Tensor.randn([64, 32], generator: RandomGenerator(seed: 3)))
        let optimizer = Adam([p], learningRate: 0.01)
        for step in 0..<3 {
            p.grad = Tensor.randn([64, 32], generator: RandomGenerator(seed: UInt64(10 + step)))
            let before = address(p)
            optimizer.step()
            #expect(address(p) == before, "step \(step): Adam reallocated the parameter")
        }
    }
}
