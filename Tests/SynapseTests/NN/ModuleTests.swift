import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseNN
@testable import SynapseOptim
@testable import SynapseModels

/// A custom model: parameters are discovered from its stored properties.
private final class Net: Module, Layer {
    let fc1 = Linear(4, 8)
    let fc2 = Linear(8, 2)
    func callAsFunction(_ x: Tensor) -> Tensor { fc2(relu(fc1(x))) }
}

/// Nested modules, an optional sub-module, an array of modules, a buffer and a non-module property.
private final class Composite: Module, Layer {
    let encoder = Sequential { Linear(3, 5); Tanh(); Dropout(p: 0.5) }
    let heads: [Module] = [Linear(5, 2), Linear(5, 1, bias: false)]
    let extra: Linear? = nil
    let scale = Parameter(Tensor([2]))
    let runningMean = Buffer(Tensor.zeros([5]))
    let name = "composite"
    func callAsFunction(_ x: Tensor) -> Tensor { encoder(x) * scale.value }
}

@Suite("Module: parameter discovery and naming")
struct ModuleDiscoveryTests {
    @Test func customModuleUsesPropertyNames() {
        let net = Net()
        #expect(net.namedParameters().map(\.0) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
        #expect(net.parameters().map(\.shape) == [[8, 4], [8], [2, 8], [2]])
        #expect(net.parameterCount == 8 * 4 + 8 + 2 * 8 + 2)
        // The discovered parameters are the layers' own objects, not copies.
        #expect(net.parameters()[0] === net.fc1.weight)
        #expect(net.parameters()[3] === net.fc2.bias!)
        #expect(net.namedChildren().map(\.0) == ["fc1", "fc2"])
    }

    @Test func sequentialNamesByPosition() {
        let seq = Sequential { Linear(4, 8); ReLU(); Linear(8, 2) }
        #expect(seq.namedParameters().map(\.0) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        #expect(seq.namedChildren().map(\.0) == ["0", "1", "2"])
    }

    @Test func mlpClassifierMatchesPyTorchSequentialNames() {
        let mlp = MLPClassifier()
        #expect(mlp.namedParameters().map(\.0) == [
            "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias", "layers.4.weight", "layers.4.bias",
        ])
        #expect(mlp.parameters().map(\.shape) == [[512, 784], [512], [256, 512], [256], [10, 256], [10]])
        #expect(Set(mlp.stateDict().keys) == Set(mlp.namedParameters().map(\.0)))
    }

    @Test func optionalParametersAreOmitted() {
        #expect(Linear(3, 2, bias: false).namedParameters().map(\.0) == ["weight"])
        #expect(Linear(3, 2).namedParameters().map(\.0) == ["weight", "bias"])
        let seq = Sequential { Linear(3, 2, bias: false); Linear(2, 2) }
        #expect(seq.namedParameters().map(\.0) == ["0.weight", "1.weight", "1.bias"])
    }

    @Test func nestedArraysBuffersAndNonModuleProperties() {
        let m = Composite()
        #expect(m.namedParameters().map(\.0) == [
            "scale", "encoder.0.weight", "encoder.0.bias", "heads.0.weight", "heads.0.bias", "heads.1.weight",
        ])
        #expect(m.namedBuffers().map(\.0) == ["runningMean"])
        #expect(Set(m.stateDict().keys) == Set(m.namedParameters().map(\.0) + ["runningMean"]))
        #expect(m.namedChildren().map(\.0) == ["encoder", "heads.0", "heads.1"])
    }

    @Test func modulesWithoutParameters() {
        #expect(ReLU().namedParameters().isEmpty)
        #expect(Dropout(p: 0.2).namedParameters().isEmpty)
        #expect(Sequential { ReLU(); Tanh() }.parameters().isEmpty)
    }

    @Test func trainAndEvalPropagateToDescendants() {
        let m = Composite()
        func modes(_ module: Module) -> [Bool] {
            [module.isTraining] + module.namedChildren().flatMap { modes($0.1) }
        }
        #expect(modes(m).count == 7)  // self, encoder, 3 encoder layers, 2 heads
        #expect(modes(m).allSatisfy { $0 })
        m.eval()
        #expect(modes(m).allSatisfy { !$0 })
        m.train()
        #expect(modes(m).allSatisfy { $0 })
        m.train(false)
        #expect(modes(m).allSatisfy { !$0 })
        // Switching a child does not affect its parent.
        m.encoder.train()
        #expect(!m.isTraining && m.encoder.isTraining && m.encoder.layers[2].isTraining)
    }

    @Test func evalModeDisablesDropoutInsideAModel() {
        let m = Composite()
        let x = Tensor.randn([4, 3], generator: RandomGenerator(seed: 5))
        m.eval()
        let a = withoutGradients { m(x) }, b = withoutGradients { m(x) }
        #expect(a.scalars == b.scalars)
        m.train()
        let c = withoutGradients { m(x) }
        #expect(c.scalars != a.scalars)
    }

    @Test func zeroGradClearsEveryParameter() {
        let net = Net()
        mseLoss(net(Tensor.randn([3, 4], generator: RandomGenerator(seed: 6))), Tensor.zeros([3, 2])).backward()
        #expect(net.parameters().allSatisfy { $0.grad != nil })
        net.zeroGrad()
        #expect(net.parameters().allSatisfy { $0.grad == nil })
    }

    @Test func parameterStaysALeafThatRequiresGradients() {
        let p = Parameter(Tensor([1, 2, 3]))
        #expect(p.value.requiresGrad)
        p.value = Tensor([4, 5, 6])  // a plain tensor is turned into a trainable leaf
        #expect(p.value.requiresGrad)
        p.grad = Tensor([1, 1, 1])
        #expect(p.grad?.scalars == [1, 1, 1])
        p.zeroGrad()
        #expect(p.grad == nil)
    }
}

/// Runs `body` and returns the `ModuleError` it throws, or nil when it does not throw.
private func moduleError(_ body: () throws -> Void) -> ModuleError? {
    do { try body(); return nil } catch let e as ModuleError { return e } catch {
        Issue.record("expected a ModuleError, got \(type(of: error)): \(error)")
        return nil
    }
}

/// A deep copy of every parameter value of `m`, by name.
private func snapshot(_ m: Module) -> [String: [Float]] {
    Dictionary(uniqueKeysWithValues: m.namedParameters().map { ($0.0, $0.1.value.scalars) })
}

@Suite("Module: state dicts, save and load")
struct ModuleSerializationTests {
    @Test func stateDictRoundTripReproducesOutputsExactly() throws {
        let a = Net(), b = Net()
        let x = Tensor.randn([5, 4], generator: RandomGenerator(seed: 7))
        #expect(withoutGradients { a(x) }.scalars != withoutGradients { b(x) }.scalars)
        try b.loadStateDict(a.stateDict())
        #expect(withoutGradients { a(x) }.scalars == withoutGradients { b(x) }.scalars)
        // Loaded values are copies: changing one model does not change the other.
        a.fc1.weight.value.withUnsafeMutableBufferPointer { $0[0] += 1 }
        #expect(a.fc1.weight.value.scalars != b.fc1.weight.value.scalars)
        #expect(b.parameters().allSatisfy { $0.value.requiresGrad })
    }

    @Test func stateDictIsASnapshotThatTrainingDoesNotChange() {
        let net = Net()
        let state = net.stateDict()
        let copy = state.mapValues(\.scalars)
        let optimizer = SGD(net.parameters(), learningRate: 0.1)
        mseLoss(net(Tensor.randn([3, 4], generator: RandomGenerator(seed: 10))), Tensor.ones([3, 2])).backward()
        optimizer.step()
        #expect(state.mapValues(\.scalars) == copy)
        #expect(net.stateDict().mapValues(\.scalars) != copy)
        #expect(state.values.allSatisfy { !$0.requiresGrad })
    }

    @Test func saveAndLoadRoundTripThroughAFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.file("net.safetensors")
        let a = Net(), b = Net()
        try a.save(to: url, metadata: ["epoch": "3"])
        try b.load(from: url)
        let x = Tensor.randn([5, 4], generator: RandomGenerator(seed: 8))
        #expect(withoutGradients { a(x) }.scalars == withoutGradients { b(x) }.scalars)
        #expect(snapshot(a) == snapshot(b))
        let archive = try SafeTensors.load(from: url)
        #expect(archive.names == ["fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight"])
        #expect(archive.metadata == ["epoch": "3"])
        // Loaded parameters still train.
        mseLoss(b(x), Tensor.zeros([5, 2])).backward()
        #expect(b.parameters().allSatisfy { $0.grad != nil })
    }

    @Test func saveAndLoadMLPClassifierWithBuffersAndNesting() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.file("composite.safetensors")
        let a = Composite(), b = Composite()
        a.runningMean.value = Tensor([1, 2, 3, 4, 5])
        try a.save(to: url)
        try b.load(from: url)
        #expect(b.runningMean.value.scalars == [1, 2, 3, 4, 5])
        #expect(snapshot(a) == snapshot(b))
        let m1 = MLPClassifier(inputSize: 12, hiddenSizes: [7], classes: 3, generator: RandomGenerator(seed: 1))
        let m2 = MLPClassifier(inputSize: 12, hiddenSizes: [7], classes: 3, generator: RandomGenerator(seed: 2))
        try m1.save(to: url)  // overwrites the previous file
        try m2.load(from: url)
        let x = Tensor.randn([2, 3, 4], generator: RandomGenerator(seed: 9))
        #expect(withoutGradients { m1(x) }.scalars == withoutGradients { m2(x) }.scalars)
    }

    @Test func loadStateDictMissingKeyThrowsAndChangesNothing() {
        let a = Net(), b = Net()
        var state = a.stateDict()
        state["fc2.bias"] = nil
        let before = snapshot(b)
        let error = moduleError { try b.loadStateDict(state) }
        #expect(error == .keyMismatch(missing: ["fc2.bias"], unexpected: []))
        #expect(error?.description.contains("fc2.bias") == true)
        #expect(snapshot(b) == before)
        // Non-strict loading accepts the partial state.
        #expect(moduleError { try b.loadStateDict(state, strict: false) } == nil)
        #expect(b.fc1.weight.value.scalars == a.fc1.weight.value.scalars)
        #expect(b.fc2.bias!.value.scalars == before["fc2.bias"])
    }

    @Test func loadStateDictUnexpectedKeyThrowsAndChangesNothing() {
        let a = Net(), b = Net()
        var state = a.stateDict()
        state["fc3.weight"] = Tensor.zeros([2, 2])
        let before = snapshot(b)
        let error = moduleError { try b.loadStateDict(state) }
        #expect(error == .keyMismatch(missing: [], unexpected: ["fc3.weight"]))
        #expect(error?.description.contains("fc3.weight") == true)
        #expect(snapshot(b) == before)
    }

    @Test func loadStateDictWrongShapeThrowsAndChangesNothing() {
        let a = Net(), b = Net()
        var state = a.stateDict()
        // fc1.* are valid and come first: they must not be applied when a later entry is bad.
        state["fc2.weight"] = Tensor.zeros([8, 2])
        let before = snapshot(b)
        let error = moduleError { try b.loadStateDict(state) }
        #expect(error == .shapeMismatch(name: "fc2.weight", expected: [2, 8], actual: [8, 2]))
        #expect(error?.description.contains("fc2.weight") == true)
        #expect(snapshot(b) == before)
        // Shapes are checked even without `strict`.
        #expect(moduleError { try b.loadStateDict(state, strict: false) } != nil)
        #expect(snapshot(b) == before)
    }

    @Test func loadFromFileMissingKey() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.file("partial.safetensors")
        var state = Net().stateDict()
        state["fc1.weight"] = nil
        try SafeTensors.save(state, to: url)
        let b = Net(), before = snapshot(b)
        let error = moduleError { try b.load(from: url) }
        #expect(error == .keyMismatch(missing: ["fc1.weight"], unexpected: []))
        #expect(error?.description.contains("fc1.weight") == true)
        #expect(snapshot(b) == before)
    }

    @Test func loadFromFileUnexpectedKey() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.file("extra.safetensors")
        var state = Net().stateDict()
        state["head.weight"] = Tensor.zeros([3])
        try SafeTensors.save(state, to: url)
        let b = Net(), before = snapshot(b)
        let error = moduleError { try b.load(from: url) }
        #expect(error == .keyMismatch(missing: [], unexpected: ["head.weight"]))
        #expect(error?.description.contains("head.weight") == true)
        #expect(snapshot(b) == before)
        // Non-strict loading ignores the extra tensor and loads the rest.
        try b.load(from: url, strict: false)
        #expect(b.fc2.weight.value.scalars == state["fc2.weight"]!.scalars)
    }

    @Test func loadFromFileWrongShape() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.file("shape.safetensors")
        var state = Net().stateDict()
        state["fc1.bias"] = Tensor.zeros([4])
        try SafeTensors.save(state, to: url)
        let b = Net(), before = snapshot(b)
        do {
            try b.load(from: url)
            Issue.record("loading a wrong shape did not throw")
        } catch let e as SafeTensorsError {
            guard case .mismatch = e else { Issue.record("unexpected case \(e)"); return }
            #expect(e.description.contains("fc1.bias"))
        } catch let e as ModuleError {
            #expect(e == .shapeMismatch(name: "fc1.bias", expected: [8], actual: [4]))
        }
        #expect(snapshot(b) == before)
    }

    @Test func loadFromMissingFileThrows() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        #expect(throws: SafeTensorsError.self) { try Net().load(from: dir.file("absent.safetensors")) }
    }
}
