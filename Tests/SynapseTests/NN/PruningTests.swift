import Foundation
import Testing
@testable import Synapse

/// Magnitude and structured pruning: masks equal PyTorch's `torch.nn.utils.prune` on a fixture,
/// shrunk networks compute exactly what the masked originals compute, and masks hold through
/// fine-tuning with `Trainer`.
@Suite struct PruningTests {
    /// The fixture's three layers with PyTorch's weights (`scripts/make-pruning-fixtures.py`).
    static func fixtureLayers() throws -> (archive: SafeTensorsArchive, layers: [(String, Module, Parameter)]) {
        guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { throw Golden.Failure("no Fixtures") }
        let archive = try SafeTensors.load(from: dir.appendingPathComponent("pruning/pruning.safetensors"))
        let fc1 = Linear(20, 12, generator: RandomGenerator(seed: 1)), fc2 = Linear(12, 7, generator: RandomGenerator(seed: 2))
        let conv = Conv2d(3, 6, kernelSize: 3, generator: RandomGenerator(seed: 3))
        let layers: [(String, Module, Parameter)] = [("fc1", fc1, fc1.weight), ("fc2", fc2, fc2.weight), ("conv", conv, conv.weight)]
        for (name, _, weight) in layers { weight.value = try archive.tensor("weight.\(name)") }
        return (archive, layers)
    }

    @Test func layerwiseAndGlobalMasksMatchPyTorch() throws {
        let (archive, layers) = try Self.fixtureLayers()
        let weights = layers.map { ($0.0, $0.2) }
        let root = Sequential([])
        for (scope, amount, prefix) in [(PruningScope.layerwise, 0.3, "layerwise"), (.global, 0.6, "global")] {
            let masks = PruningMasks.magnitude(root, amount: amount, scope: scope, weights: weights)
            for entry in masks.entries {
                let expected = try archive.tensor("\(prefix).\(entry.name)").scalars
                #expect(entry.mask == expected, "\(prefix) mask of \(entry.name)")
            }
        }
    }

    @Test func structuredRankingMatchesPyTorch() throws {
        let (archive, layers) = try Self.fixtureLayers()
        for norm in NeuronNorm.allCases {
            for (name, _, weight) in layers {
                let kept = StructuredPruning.keptOutputs(of: weight.value, amount: 0.5, norm: norm)
                // PyTorch's mask keeps whole rows: a row is kept when its first entry's mask is 1.
                let mask = try archive.tensor("\(norm.rawValue)_structured.\(name)")
                let width = mask.count / mask.shape[0]
                let expected = (0..<mask.shape[0]).filter { mask.scalars[$0 * width] == 1 }
                #expect(kept == expected, "\(norm) rows of \(name)")
            }
        }
    }

    @Test func countsRoundHalfToEvenAndTiesGoInIndexOrder() {
        let layer = Linear(5, 1, bias: false, generator: RandomGenerator(seed: 0))
        layer.weight.value = Tensor(shape: [1, 5], scalars: [0.5, -0.1, 0.1, 2, -3])
        // round(0.5 × 5) = round(2.5) = 2 (ties to even, as Python's round); |−0.1| = |0.1|: index 1 first.
        let masks = PruningMasks.magnitude(layer, amount: 0.5)
        #expect(masks.entries[0].mask == [1, 0, 0, 1, 1])
        masks.apply()
        #expect(layer.weight.value.scalars == [0.5, 0, 0, 2, -3])
        #expect(masks.layerSparsity == [LayerSparsity(name: "weight", count: 5, zeros: 2)])
    }

    @Test func laterRoundsKeepEarlierPrunedEntries() {
        let layer = Linear(4, 1, bias: false, generator: RandomGenerator(seed: 0))
        layer.weight.value = Tensor(shape: [1, 4], scalars: [0.1, 1, 2, 3])
        let first = PruningMasks.magnitude(layer, amount: 0.25)
        first.apply()
        // Fine-tuning moved the weights: the pruned entry must stay pruned, and the next smallest goes.
        layer.weight.value = Tensor(shape: [1, 4], scalars: [0, 5, 0.5, 3])
        let second = PruningMasks.magnitude(layer, amount: 0.5, previous: first)
        #expect(second.entries[0].mask == [0, 1, 0, 1])
    }

    @Test func globalScopeTakesMoreFromLayersOfSmallWeights() {
        let small = Linear(10, 10, generator: RandomGenerator(seed: 1)), large = Linear(10, 10, generator: RandomGenerator(seed: 2))
        large.weight.value = large.weight.value * 100
        let model = Sequential([small, ReLU(), large])
        let masks = PruningMasks.magnitude(model, amount: 0.5, scope: .global)
        #expect(masks.entries.map(\.name) == ["0.weight", "2.weight"])
        #expect(masks.entries[0].mask.allSatisfy { $0 == 0 } && masks.entries[1].mask.allSatisfy { $0 == 1 })
        #expect(abs(masks.sparsity - 0.5) < 1e-12)
    }

    /// A shrunk MLP computes what the original computes with the removed neurons' outgoing weights zeroed.
    @Test func shrunkMLPEqualsTheMaskedOriginal() {
        let mlp = MLPClassifier(inputSize: 12, hiddenSizes: [10, 8], classes: 3, generator: RandomGenerator(seed: 4))
        let pruned = mlp.pruningNeurons(amount: 0.5, norm: .l2)
        #expect(pruned.hiddenSizes == [5, 4])
        let (_, kept) = StructuredPruning.shrinkingHiddenLayers(of: mlp.layers, amount: 0.5, norm: .l2)
        let dense = mlp.layers.layers.compactMap { $0 as? Linear }
        for (i, keep) in kept.enumerated() { Self.zeroInputs(of: dense[i + 1], except: keep, block: 1) }
        let x = Tensor.randn([6, 12], generator: RandomGenerator(seed: 5))
        #expect(pruned(x).isClose(to: mlp(x), rtol: 1e-4, atol: 1e-5))
    }

    /// The same for the CNN, across the flatten between the convolutions and the head.
    @Test func shrunkCNNEqualsTheMaskedOriginal() {
        let cnn = CNNClassifier(channels: 1, size: 8, classes: 4, widths: [6, 8, 10], generator: RandomGenerator(seed: 6))
        let pruned = cnn.pruningChannels(amount: 0.5)
        #expect(pruned.widths == [3, 4, 5])
        let conv1 = cnn.features.layers[0] as! Conv2d, conv2 = cnn.features.layers[3] as! Conv2d
        let hidden = cnn.classifier.layers[0] as! Linear, head = cnn.classifier.layers[2] as! Linear
        let keep1 = StructuredPruning.keptOutputs(of: conv1.weight.value, amount: 0.5, norm: .l1)
        let keep2 = StructuredPruning.keptOutputs(of: conv2.weight.value, amount: 0.5, norm: .l1)
        let keep3 = StructuredPruning.keptOutputs(of: hidden.weight.value, amount: 0.5, norm: .l1)
        Self.zeroInputs(of: conv2, except: keep1)
        Self.zeroInputs(of: hidden, except: keep2, block: 4)
        Self.zeroInputs(of: head, except: keep3, block: 1)
        let x = Tensor.randn([3, 1, 8, 8], generator: RandomGenerator(seed: 7))
        #expect(pruned(x).isClose(to: cnn(x), rtol: 1e-4, atol: 1e-5))
    }

    /// Widths are stated against the original network, so rounds of an iterative schedule land
    /// exactly where one round would (no compounding of rounding).
    @Test func iterativeWidthsLandWhereOneRoundWould() {
        #expect(StructuredPruning.keptCount(10, amount: 0.5) == 5)
        #expect(StructuredPruning.keptCount(7, amount: 0.5) == 3)      // round(3.5) = 4 pruned
        #expect(StructuredPruning.keptCount(16, amount: 0.99) == 1)    // never empty
        let mlp = MLPClassifier(inputSize: 6, hiddenSizes: [10, 16], classes: 2, generator: RandomGenerator(seed: 9))
        var current = mlp
        for round in 1...3 {
            let target = 0.9 * Double(round) / 3
            current = current.pruningNeurons(toWidths: mlp.hiddenSizes.map { StructuredPruning.keptCount($0, amount: target) })
        }
        #expect(current.hiddenSizes == mlp.pruningNeurons(amount: 0.9).hiddenSizes)
        #expect(current.hiddenSizes == [1, 2])
    }

    static func zeroInputs(of layer: Linear, except keep: [Int], block: Int) {
        let rows = layer.outFeatures, width = layer.inFeatures
        layer.weight.value.withUnsafeMutableBufferPointer { w in
            for r in 0..<rows { for c in 0..<width where !keep.contains(c / block) { w[r * width + c] = 0 } }
        }
    }

    static func zeroInputs(of conv: Conv2d, except keep: [Int]) {
        let s = conv.weight.shape, area = s[2] * s[3]
        conv.weight.value.withUnsafeMutableBufferPointer { w in
            for o in 0..<s[0] { for i in 0..<s[1] where !keep.contains(i) { for k in 0..<area { w[(o * s[1] + i) * area + k] = 0 } } }
        }
    }

    @Test func masksHoldThroughFineTuning() throws {
        let model = MLPClassifier(inputSize: 8, hiddenSizes: [16], classes: 3, generator: RandomGenerator(seed: 8))
        let before = model.layers.layers.compactMap { $0 as? Linear }.map { $0.weight.value.scalars }
        let masks = PruningMasks.magnitude(model, amount: 0.7)
        let x = Tensor.randn([64, 8], generator: RandomGenerator(seed: 9))
        let y = IntTensor((0..<64).map { $0 % 3 })
        let loader = DataLoader(TensorDataset(features: x, labels: y), batchSize: 16, shuffle: true, seed: 1)
        let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: 0.05), objective: .classification(model),
                              train: loader, validation: nil as DataLoader<TensorDataset>?, callbacks: [PruningCallback(masks: masks)])
        _ = try trainer.fit(epochs: 3)
        for (entry, original) in zip(masks.entries, before) {
            let now = entry.parameter.value.scalars
            #expect(zip(now, entry.mask).allSatisfy { $1 == 1 || $0 == 0 }, "pruned entries of \(entry.name) came back")
            // The kept weights trained.
            #expect(zip(zip(now, original), entry.mask).contains { $1 == 1 && $0.0 != $0.1 })
        }
        #expect(abs(LayerSparsity.of(model).reduce(0) { $0 + $1.zeros } - Int((0.7 * Double(8 * 16)).rounded(.toNearestOrEven))
                    - Int((0.7 * Double(16 * 3)).rounded(.toNearestOrEven))) == 0)
    }
}
