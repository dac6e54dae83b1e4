import Foundation
import Testing
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseNN
@testable import SynapseOptim
@testable import SynapseModels
@testable import SynapseONNX

/// An imported graph trains like any module: gradients reach its parameters and SGD lowers the loss.
@Suite struct ONNXImportFineTuningTests {
    @Test(arguments: ["cnn", "lstm", "transformer"])
    func sgdStepsLowerTheLoss(_ name: String) throws {
        let model = try ONNXModel(contentsOf: try onnxFixture("\(name).onnx"))
        model.train()
        let stored = try SafeTensorsArchive(contentsOf: try onnxFixture("\(name).safetensors"))
        let x = try stored.tensor("input")
        let target = Tensor.randn(try stored.tensor("output").shape, generator: RandomGenerator(seed: 5))
        let optimizer = SGD(model.parameters(), learningRate: 0.05)
        var losses: [Float] = []
        for step in 0..<5 {
            optimizer.zeroGrad()
            let loss = mseLoss(model(x), target)
            loss.backward()
            if step == 0 {
                for (n, p) in model.namedParameters() {
                    let g = try #require(p.grad, "no gradient reached \(n)")
                    #expect(g.shape == p.shape)
                }
                #expect(model.namedParameters().contains { $0.1.grad!.scalars.contains { $0 != 0 } })
            }
            optimizer.step()
            losses.append(loss.item())
        }
        #expect(losses.last! < losses.first!, "\(name): losses \(losses)")
    }

    /// The imported graph's gradients are the built-in model's: the PyTorch-trained Fashion-MNIST CNN
    /// as `ONNXModel` and as `CNNClassifier` (same weights from the `.pt`) give the same loss and the
    /// same gradient for every parameter, name by name.
    @Test func gradientsEqualTheBuiltInModels() throws {
        let imported = try ONNXModel(contentsOf: try onnxFixture("cnn_fashion.onnx"))
        let cnn = CNNClassifier(generator: RandomGenerator(seed: 4))
        try cnn.loadPyTorch(from: try onnxFixture("cnn_fashion.pt"))
        let x = Tensor.rand([4, 1, 28, 28], generator: RandomGenerator(seed: 8))
        let labels = IntTensor([0, 3, 7, 9])
        let lossA = crossEntropy(imported(x), labels), lossB = crossEntropy(cnn(x), labels)
        #expect(Swift.abs(lossA.item() - lossB.item()) <= 1e-5 * Swift.abs(lossB.item()))
        lossA.backward()
        lossB.backward()
        let builtIn = Dictionary(uniqueKeysWithValues: cnn.namedParameters().map { ($0.0, $0.1) })
        #expect(imported.namedParameters().count == builtIn.count)
        for (name, p) in imported.namedParameters() {
            let q = try #require(builtIn[name], "\(name) is not a CNNClassifier parameter")
            let (ok, worst) = onnxClose(try #require(p.grad), try #require(q.grad), rtol: 1e-3, atol: 1e-6)
            #expect(ok, "\(name): gradients differ by up to \(worst)")
        }
    }

    /// The composite Erf (on the path of every exported GELU) matches Foundation's erf closely and
    /// its gradient is 2/√π·e^(−x²).
    @Test func erfMatchesFoundation() throws {
        let xs: [Float] = [-3, -1.2, -0.3, 0, 0.01, 0.5, 1, 2.5, 6]
        let x = Tensor(xs).requiringGrad()
        let y = ONNXOperators.erf(x)
        for (v, e) in zip(y.scalars, xs.map { Foundation.erf($0) }) { #expect(Swift.abs(v - e) < 3e-7) }
        y.sum().backward()
        let g = try #require(x.grad)
        for (v, x0) in zip(g.scalars, xs) { #expect(Swift.abs(v - 2 / Float.pi.squareRoot() * Foundation.exp(-x0 * x0)) < 1e-4) }
    }
}
