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
}
