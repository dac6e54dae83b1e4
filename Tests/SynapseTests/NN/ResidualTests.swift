import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseNN

struct ResidualTests {
    @Test func addsTheSkipPathAndNamesParametersLikePyTorch() {
        let g = RandomGenerator(seed: 3)
        let block = Residual { Linear(4, 4, generator: g); ReLU(); Linear(4, 4, generator: g) }
        #expect(block.namedParameters().map(\.0) == ["body.0.weight", "body.0.bias", "body.2.weight", "body.2.bias"])
        let x = Tensor.randn([3, 4], generator: g)
        let body = block.body as! Sequential
        #expect(block(x).isClose(to: body(x) + x, rtol: 1e-6, atol: 1e-6))
    }

    @Test func projectionShortcutChangesTheShape() {
        let g = RandomGenerator(seed: 4)
        let block = Residual(Conv2d(2, 4, kernelSize: 3, padding: 1, generator: g), shortcut: Conv2d(2, 4, kernelSize: 1, generator: g))
        #expect(block.namedParameters().map(\.0) == ["body.weight", "body.bias", "shortcut.weight", "shortcut.bias"])
        let x = Tensor.randn([1, 2, 5, 5], generator: g).requiringGrad()
        let y = block(x)
        #expect(y.shape == [1, 4, 5, 5])
        y.sum().backward()
        #expect(x.grad?.shape == [1, 2, 5, 5])
    }

    @Test func gradientFlowsThroughBothPaths() {
        FiniteDifference.check("residual", [GradientInputs.normal([2, 3], seed: 5)]) { inputs in
            let block = Residual(Linear(3, 3, generator: RandomGenerator(seed: 6)))
            return block(tanh(inputs[0]))
        }
    }
}
