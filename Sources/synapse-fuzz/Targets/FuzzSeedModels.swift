import Foundation
import Synapse

/// Small real models for seed files: an MLP classifier trained for two Adam steps on a fixed batch,
/// so weights and optimizer moments hold ordinary trained values rather than zeros or constants.
enum FuzzSeedModels {
    /// The trained model and its optimizer (deterministic: fixed seeds, fixed batch).
    static func trainedClassifier() -> (model: MLPClassifier, optimizer: Adam) {
        let generator = RandomGenerator(seed: 7)
        let model = MLPClassifier(inputSize: 8, hiddenSizes: [6], classes: 3, generator: generator)
        let optimizer = Adam(model.parameters(), learningRate: 1e-2)
        let x = Tensor.randn([16, 8], generator: generator)
        let y = IntTensor((0..<16).map { $0 % 3 })
        for _ in 0..<2 {
            let loss = crossEntropy(model(x), y)
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
        }
        return (model, optimizer)
    }
}
