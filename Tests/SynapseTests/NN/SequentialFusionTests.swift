import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseNN

/// `Sequential` fuses Linear→ReLU pairs; results and gradients must equal the unfused composition.
struct SequentialFusionTests {
    @Test func fusedForwardAndBackwardMatchUnfused() {
        let g = RandomGenerator(seed: 11)
        let model = Sequential { Linear(6, 5, generator: g); ReLU(); Linear(5, 3, generator: g); ReLU() }
        let x = Tensor.randn([4, 6], generator: g)
        let l1 = model.layers[0] as! Linear, l2 = model.layers[2] as! Linear
        func unfused() -> Tensor {
            relu(linear(relu(linear(x, weight: l1.weight.value, bias: l1.bias?.value)), weight: l2.weight.value, bias: l2.bias?.value))
        }
        #expect(model(x).isClose(to: unfused(), rtol: 1e-6, atol: 1e-6))
        model(x).sum().backward()
        let fusedGrads = model.parameters().map { $0.grad!.scalars }
        model.zeroGrad()
        unfused().sum().backward()
        for (p, fused) in zip(model.parameters(), fusedGrads) { #expect(p.grad!.scalars == fused) }
        // Inference (no tape, small batch) takes the fused kernel.
        let inference = withoutGradients { model(x[0..<2]) }
        #expect(inference.isClose(to: unfused()[0..<2].detached(), rtol: 1e-5, atol: 1e-5))
    }

    /// Layer by layer, as `linear` computes each (the reference for the chained path).
    private func layerByLayer(_ model: Sequential, _ x: Tensor) -> Tensor {
        var h = x
        for layer in model.layers {
            if let dense = layer as? Linear { h = linear(h, weight: dense.weight.value, bias: dense.bias?.value) } else { h = layer(h) }
        }
        return h
    }

    /// At fewer than 8 rows without a tape, a run of Linear(+ReLU) layers runs as one `linearChain`:
    /// W6's MLP must give bit for bit what the layers give one by one, at 1 and 5 rows.
    @Test func smallBatchInferenceChainEqualsLayerByLayer() {
        let g = RandomGenerator(seed: 12)
        let model = Sequential { Linear(784, 512, generator: g); ReLU(); Linear(512, 256, generator: g); ReLU()
                                 Linear(256, 10, generator: g) }
        for rows in [1, 5] {
            let x = Tensor.rand([rows, 784], generator: g)
            let (chained, expected) = withoutGradients { (model(x), layerByLayer(model, x)) }
            #expect(chained.scalars == expected.scalars)
        }
    }

    /// Layers whose forward pass is not plain `linear` (here an unmerged LoRA adapter) break the chain,
    /// and the model computes what they compute.
    @Test func anAdaptedLayerIsNotChained() throws {
        let g = RandomGenerator(seed: 13)
        let model = Sequential { Linear(20, 16, generator: g); ReLU(); Linear(16, 12, generator: g); ReLU()
                                 Linear(12, 4, generator: g) }
        _ = try model.applyLoRA(LoRAConfiguration(rank: 2, alpha: 4, targetModules: ["2"]), generator: g)
        let adapted = try #require((model.layers[2] as! Linear).lora)
        adapted.up.weight.value = Tensor.randn(adapted.up.weight.shape, generator: g)
        let x = Tensor.rand([1, 20], generator: g)
        let y = withoutGradients { model(x) }
        let l1 = model.layers[0] as! Linear, l2 = model.layers[2] as! Linear, l3 = model.layers[4] as! Linear
        let expected = withoutGradients { () -> Tensor in
            let h1 = relu(linear(x, weight: l1.weight.value, bias: l1.bias?.value))
            let h2 = relu(linear(h1, weight: l2.weight.value, bias: l2.bias?.value) + adapted.delta(h1))
            return linear(h2, weight: l3.weight.value, bias: l3.bias?.value)
        }
        #expect(y.isClose(to: expected, rtol: 1e-6, atol: 1e-6))
        let withoutAdapter = withoutGradients { layerByLayer(model, x) }
        #expect(!y.isClose(to: withoutAdapter, rtol: 1e-4, atol: 1e-4))
    }
}
