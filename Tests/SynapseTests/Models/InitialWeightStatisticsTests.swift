import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseNN
@testable import SynapseModels

/// The W2/W3 networks' initial weights, layer by layer, have PyTorch's distributions: every weight
/// and bias of `nn.Linear`/`nn.Conv2d` is U(±1/√fan_in) (Kaiming-uniform with a = √5 gives the same
/// bound for weights), so over many seeds each layer's values have mean 0, standard deviation
/// bound/√3 and fill the whole interval. This settles the "everything random" half of the W3 accuracy
/// comparison for initialisation (the rank test over training runs is in BENCHMARKS.md).
struct InitialWeightStatisticsTests {
    /// Expected bound per parameter name for a network built with PyTorch's default init.
    private static func check(_ make: (RandomGenerator) -> Module, fanIns: [String: Int], seeds: Int = 10) {
        var values: [String: [Float]] = [:]
        for seed in 0..<seeds {
            for (name, p) in make(RandomGenerator(seed: UInt64(seed))).namedParameters() {
                values[name, default: []] += p.value.scalars
            }
        }
        #expect(Set(values.keys) == Set(fanIns.keys))
        for (name, v) in values.sorted(by: { $0.key < $1.key }) {
            guard let fanIn = fanIns[name] else { continue }
            let bound = 1 / Float(fanIn).squareRoot()
            let n = Float(v.count)
            let mean = v.reduce(0, +) / n
            let std = (v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n).squareRoot()
            let expectedStd = bound / Float(3).squareRoot()
            // Standard error of the mean of U(±b) over n values is b/√(3n); allow 5 of them.
            #expect(abs(mean) <= 5 * expectedStd / n.squareRoot(), "\(name): mean \(mean)")
            // The sample standard deviation within 3% (n ≥ 640 here).
            #expect(abs(std / expectedStd - 1) < 0.03 || v.count < 640, "\(name): std \(std), expected \(expectedStd)")
            #expect(v.allSatisfy { abs($0) <= bound }, "\(name): a value outside ±\(bound)")
            #expect(v.max()! > 0.95 * bound && v.min()! < -0.95 * bound, "\(name): does not fill ±\(bound)")
        }
    }

    @Test("W3 CNN: every layer U(±1/√fan_in), as PyTorch")
    func cnnLayersMatchPyTorchDistributions() {
        Self.check({ CNNClassifier(generator: $0) }, fanIns: [
            "features.0.weight": 9, "features.0.bias": 9, "features.3.weight": 288, "features.3.bias": 288,
            "classifier.0.weight": 3136, "classifier.0.bias": 3136, "classifier.2.weight": 128, "classifier.2.bias": 128,
        ])
    }

    @Test("W2 MLP: every layer U(±1/√fan_in), as PyTorch")
    func mlpLayersMatchPyTorchDistributions() {
        Self.check({ MLPClassifier(generator: $0) }, fanIns: [
            "layers.0.weight": 784, "layers.0.bias": 784, "layers.2.weight": 512, "layers.2.bias": 512,
            "layers.4.weight": 256, "layers.4.bias": 256,
        ])
    }
}
