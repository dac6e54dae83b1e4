import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseNN
@testable import SynapseOptim

/// The first positional integer argument of a constructor call such as `torch.nn.BatchNorm1d(6, eps=...)`.
func firstPositionalInt(_ call: String) throws -> Int {
    guard let open = call.firstIndex(of: "(") else { throw Golden.Failure("bad call \(call)") }
    let first = call[call.index(after: open)...].prefix { $0 != "," && $0 != ")" }
    guard let n = Int(first.trimmingCharacters(in: .whitespaces)) else { throw Golden.Failure("no positional count in \(call)") }
    return n
}

/// `BatchNorm1d` / `BatchNorm2d` against PyTorch (train and eval mode, including the running-statistics
/// update), finite differences, state-dict names and files.
@Suite("Layers: BatchNorm")
struct BatchNormTests {
    /// The layer of a golden case, built from the case's constructor call.
    static func layer(for c: GoldenManifest.Case) throws -> BatchNorm {
        let args = GoldenCallArguments(call: c.call)
        let n = try firstPositionalInt(c.call)
        let eps = try args.float("eps"), momentum = try args.float("momentum")
        let affine = try args.bool("affine"), track = try args.bool("track_running_stats")
        if c.call.hasPrefix("torch.nn.BatchNorm1d(") {
            return BatchNorm1d(n, eps: eps, momentum: momentum, affine: affine, trackRunningStats: track)
        } else if c.call.hasPrefix("torch.nn.BatchNorm2d(") {
            return BatchNorm2d(n, eps: eps, momentum: momentum, affine: affine, trackRunningStats: track)
        }
        throw Golden.Failure("not a batch-norm call: \(c.call)")
    }

    @Test("golden: output, buffers after, gradients of x, weight, bias",
          arguments: ["batchnorm1d_train", "batchnorm1d_eval", "batchnorm2d_train", "batchnorm2d_eval"])
    func golden(_ name: String) throws {
        let g = try ModuleGoldenCase(name)
        let bn = try Self.layer(for: g.c)
        try g.prepare(bn)
        #expect(bn.isTraining == name.hasSuffix("_train"))
        let x = try g.archive.tensor("input.x").requiringGrad()
        try g.check(bn(x), module: bn, inputs: ["x": x])
    }

    @Test("eval mode normalises with the running statistics and leaves them unchanged")
    func evalUsesRunningStatistics() {
        let bn = BatchNorm1d(3)
        let gen = RandomGenerator(seed: 4)
        for _ in 0..<3 { _ = bn(Tensor.randn([8, 3], generator: gen) * 2 + 1) }
        #expect(bn.numBatchesTracked!.value.item() == 3)
        bn.weight!.value = Tensor([1.5, -0.5, 2])
        bn.bias!.value = Tensor([0.1, 0.2, -0.3])
        bn.eval()
        let mean = bn.runningMean!.value.scalars, variance = bn.runningVar!.value.scalars
        let x = Tensor.randn([4, 3], generator: gen)
        let y = bn(x).scalars
        for i in 0..<4 {
            for c in 0..<3 {
                let expected = (x.scalars[i * 3 + c] - mean[c]) / (variance[c] + 1e-5).squareRoot()
                    * bn.weight!.value.scalars[c] + bn.bias!.value.scalars[c]
                #expect(Swift.abs(y[i * 3 + c] - expected) <= 1e-5 * Swift.max(1, Swift.abs(expected)))
            }
        }
        #expect(bn.runningMean!.value.scalars == mean)
        #expect(bn.runningVar!.value.scalars == variance)
        #expect(bn.numBatchesTracked!.value.item() == 3)
    }

    @Test("training on [N, C, L]: statistics over N and L; unbiased variance in the running update")
    func trainingOnThreeDimensionalInput() {
        let bn = BatchNorm1d(2, momentum: 0.5)
        // Channel 0 holds 1...6, channel 1 holds 10, 20, ..., 60 (N = 2, L = 3).
        let x = Tensor(shape: [2, 2, 3], scalars: [1, 2, 3, 10, 20, 30, 4, 5, 6, 40, 50, 60])
        let y = bn(x)
        // Mean 3.5 and 35; biased variance 35/12 and 3500/12; unbiased 3.5 and 350.
        let rm = bn.runningMean!.value.scalars, rv = bn.runningVar!.value.scalars
        #expect(Swift.abs(rm[0] - 1.75) < 1e-5 && Swift.abs(rm[1] - 17.5) < 1e-4)
        #expect(Swift.abs(rv[0] - (0.5 + 1.75)) < 1e-5 && Swift.abs(rv[1] - (0.5 + 175)) < 1e-3)
        let expected0 = (1 - 3.5) / (35.0 / 12 + 1e-5).squareRoot()
        #expect(Swift.abs(Double(y.scalars[0]) - expected0) < 1e-5)
        // Each channel of the output has mean 0 in training mode.
        let channelMeans = y.mean(dims: [0, 2]).scalars
        #expect(channelMeans.allSatisfy { Swift.abs($0) < 1e-5 })
    }

    @Test("momentum nil gives the cumulative average of the batch statistics")
    func cumulativeAverage() {
        let bn = BatchNorm1d(1, momentum: nil)
        _ = bn(Tensor(shape: [2, 1], scalars: [0, 2]))   // mean 1, unbiased var 2
        _ = bn(Tensor(shape: [2, 1], scalars: [4, 6]))   // mean 5, unbiased var 2
        #expect(bn.numBatchesTracked!.value.item() == 2)
        #expect(Swift.abs(bn.runningMean!.value.item() - 3) < 1e-6)
        #expect(Swift.abs(bn.runningVar!.value.item() - 2) < 1e-6)
    }

    @Test("without running statistics the batch statistics are used in eval mode too")
    func noRunningStatistics() {
        let bn = BatchNorm2d(2, affine: false, trackRunningStats: false)
        #expect(bn.stateDict().isEmpty && bn.parameters().isEmpty)
        bn.eval()
        let x = Tensor.randn([3, 2, 2, 2], generator: RandomGenerator(seed: 5)) * 3 + 2
        let y = bn(x)
        let mean = y.mean(dims: [0, 2, 3]).scalars, variance = y.variance(dims: [0, 2, 3], unbiased: false).scalars
        #expect(mean.allSatisfy { Swift.abs($0) < 1e-5 })
        #expect(variance.allSatisfy { Swift.abs($0 - 1) < 1e-3 })
    }

    @Test("finite differences (train mode): x, weight, bias of BatchNorm1d on [N, C, L]")
    func finiteDifferences1d() {
        let bn = BatchNorm1d(3)
        let inputs = [
            GradientInputs.normal([4, 3, 5], seed: 41),
            GradientInputs.normal([3], seed: 42),
            GradientInputs.normal([3], seed: 43),
        ]
        FiniteDifference.check("BatchNorm1d(3) train", inputs) { args in
            bn.weight!.value = args[1]
            bn.bias!.value = args[2]
            return bn(args[0])
        }
    }

    @Test("finite differences (train mode): x, weight, bias of BatchNorm2d")
    func finiteDifferences2d() {
        let bn = BatchNorm2d(2)
        let inputs = [
            GradientInputs.normal([3, 2, 2, 3], seed: 44),
            GradientInputs.normal([2], seed: 45),
            GradientInputs.normal([2], seed: 46),
        ]
        FiniteDifference.check("BatchNorm2d(2) train", inputs) { args in
            bn.weight!.value = args[1]
            bn.bias!.value = args[2]
            return bn(args[0])
        }
    }

    @Test("finite differences (eval mode): x, weight, bias")
    func finiteDifferencesEval() {
        let bn = BatchNorm1d(3)
        bn.runningMean!.value = Tensor([0.5, -1, 2])
        bn.runningVar!.value = Tensor([0.7, 1.5, 3])
        bn.eval()
        let inputs = [
            GradientInputs.normal([4, 3], seed: 47),
            GradientInputs.normal([3], seed: 48),
            GradientInputs.normal([3], seed: 49),
        ]
        FiniteDifference.check("BatchNorm1d(3) eval", inputs) { args in
            bn.weight!.value = args[1]
            bn.bias!.value = args[2]
            return bn(args[0])
        }
    }

    @Test("state-dict names and initial values are PyTorch's")
    func stateDictNames() {
        let bn = BatchNorm2d(4)
        #expect(bn.namedParameters().map(\.0) == ["weight", "bias"])
        #expect(bn.namedBuffers().map(\.0) == ["running_mean", "running_var", "num_batches_tracked"])
        let s = bn.stateDict()
        #expect(s["weight"]?.scalars == [1, 1, 1, 1] && s["bias"]?.scalars == [0, 0, 0, 0])
        #expect(s["running_mean"]?.scalars == [0, 0, 0, 0] && s["running_var"]?.scalars == [1, 1, 1, 1])
        #expect(s["num_batches_tracked"]?.shape == [] && s["num_batches_tracked"]?.item() == 0)

        final class Net: Module, Layer {
            let conv = Linear(3, 4)
            let bn = BatchNorm1d(4)
            func callAsFunction(_ x: Tensor) -> Tensor { bn(conv(x)) }
        }
        #expect(Set(Net().stateDict().keys) == ["conv.weight", "conv.bias", "bn.weight", "bn.bias", "bn.running_mean",
                                                "bn.running_var", "bn.num_batches_tracked"])
        #expect(BatchNorm1d(3, affine: false).namedParameters().isEmpty)
        #expect(BatchNorm1d(3, trackRunningStats: false).namedBuffers().isEmpty)
        #expect(Set(BatchNorm1d(3, trackRunningStats: false).stateDict().keys) == ["weight", "bias"])
    }

    @Test("save and load round trip, including the running statistics")
    func saveLoadRoundTrip() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.file("bn.safetensors")
        let a = BatchNorm2d(3), gen = RandomGenerator(seed: 6)
        a.weight!.value = Tensor([0.5, 1.5, -1])
        for _ in 0..<2 { _ = a(Tensor.randn([2, 3, 2, 2], generator: gen) + 1) }
        try a.save(to: url)
        let b = BatchNorm2d(3)
        try b.load(from: url)
        #expect(b.stateDict().mapValues(\.scalars) == a.stateDict().mapValues(\.scalars))
        #expect(b.numBatchesTracked!.value.item() == 2)
        a.eval()
        b.eval()
        let x = Tensor.randn([2, 3, 2, 2], generator: gen)
        #expect(withoutGradients { a(x) }.scalars == withoutGradients { b(x) }.scalars)
    }

    @Test("a PyTorch file with num_batches_tracked as int64 loads")
    func loadsPyTorchInt64Counter() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.file("torch-bn.safetensors")
        let floats: [String: Tensor] = [
            "weight": Tensor([1, 2]), "bias": Tensor([3, 4]),
            "running_mean": Tensor([0.5, 0.25]), "running_var": Tensor([2, 3]),
        ]
        try SafeTensors.save(floats, ints: ["num_batches_tracked": IntTensor(shape: [], scalars: [17])], to: url)
        let bn = BatchNorm1d(2)
        try bn.load(from: url)
        #expect(bn.numBatchesTracked!.value.shape == [] && bn.numBatchesTracked!.value.item() == 17)
        #expect(bn.runningVar!.value.scalars == [2, 3] && bn.bias!.value.scalars == [3, 4])

        // Integer parameters are still rejected, and an integer buffer of the wrong shape too.
        try SafeTensors.save(["bias": Tensor([3, 4]), "running_mean": Tensor([0, 0]), "running_var": Tensor([1, 1])],
                             ints: ["weight": IntTensor([1, 2]), "num_batches_tracked": IntTensor(shape: [], scalars: [1])],
                             to: url)
        #expect(throws: SafeTensorsError.self) { try BatchNorm1d(2).load(from: url) }
        try SafeTensors.save(floats, ints: ["num_batches_tracked": IntTensor([1, 2])], to: url)
        #expect(throws: ModuleError.shapeMismatch(name: "num_batches_tracked", expected: [], actual: [2])) {
            try BatchNorm1d(2).load(from: url)
        }
    }

    @Test("inside Sequential: named as PyTorch, follows train()/eval() of the model, and trains")
    func insideSequential() {
        let model = Sequential([Linear(4, 8, generator: RandomGenerator(seed: 10)), BatchNorm1d(8), ReLU(),
                                Linear(8, 1, generator: RandomGenerator(seed: 11))])
        #expect(model.namedBuffers().map(\.0) == ["1.running_mean", "1.running_var", "1.num_batches_tracked"])
        let gen = RandomGenerator(seed: 12)
        let x = Tensor.randn([32, 4], generator: gen)
        let target = x.sum(dim: 1, keepdim: true)
        let optimizer = SGD(model.parameters(), learningRate: 0.05)
        func loss() -> Tensor { mseLoss(model(x), target) }
        let before = withoutGradients { loss() }.item()
        for _ in 0..<50 {
            optimizer.zeroGrad()
            loss().backward()
            optimizer.step()
        }
        // 1 + 50 training-mode passes (as in PyTorch, withoutGradients does not stop the running update).
        let state = model.stateDict()
        #expect(state["1.num_batches_tracked"]?.item() == 51)
        model.eval()
        let after = loss().item()
        #expect(after < before * 0.5, "loss \(before) -> \(after)")
        #expect(model.stateDict()["1.num_batches_tracked"]?.item() == 51)
        #expect(model.stateDict()["1.running_mean"]?.scalars == state["1.running_mean"]?.scalars)
    }

    @Test("shape errors name the layer, the expected and the actual shape")
    func shapeMessages() {
        #expect(BatchNorm1d(6).shapeError([5, 6]) == nil)
        #expect(BatchNorm1d(6).shapeError([5, 6, 7]) == nil)
        #expect(BatchNorm1d(6).shapeError([5, 4]) == "BatchNorm1d(6): expected input [N, 6] or [N, 6, L], got [5, 4]")
        #expect(BatchNorm1d(6).shapeError([6]) == "BatchNorm1d(6): expected input [N, 6] or [N, 6, L], got [6]")
        #expect(BatchNorm2d(4).shapeError([2, 4, 3]) == "BatchNorm2d(4): expected input [N, 4, H, W], got [2, 4, 3]")
        #expect(BatchNorm3d(4).shapeError([2, 4, 3, 3, 3]) == nil)
    }

    @Test("a wrong input shape stops the program")
    func wrongShapeTraps() async {
        await #expect(processExitsWith: .failure) {
            _ = BatchNorm2d(4)(Tensor.zeros([2, 3, 5, 5]))
        }
    }
}
