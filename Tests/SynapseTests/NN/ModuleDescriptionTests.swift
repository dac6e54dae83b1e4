import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseNN
@testable import SynapseData

private final class Classifier: Module, Layer {
    let features = Sequential { Conv2d(1, 8, kernelSize: 3, padding: 1); ReLU(); MaxPool2d(2) }
    let dropout = Dropout(0.2)
    let head = Linear(8 * 14 * 14, 10, bias: false)
    func callAsFunction(_ x: Tensor) -> Tensor { head(dropout(features(x).flattened(startDim: 1))) }
}

/// `print(model)` and `print(dataset)` are short and readable.
@Suite("Module and dataset descriptions")
struct ModuleDescriptionTests {
    @Test func sequentialPrintsLikePyTorch() {
        let model = Sequential { Linear(784, 512); ReLU(); Linear(512, 10) }
        #expect(model.description == """
            Sequential(
              (0): Linear(784 → 512, bias)
              (1): ReLU()
              (2): Linear(512 → 10, bias)
            )
            Total parameters: 407,050
            """)
        #expect("\(model)" == model.description)
    }

    @Test func nestedModulesIndent() {
        let model = Classifier()
        #expect(model.description == """
            Classifier(
              (features): Sequential(
                (0): Conv2d(1 → 8, kernelSize: 3×3, stride: 1×1, padding: 1×1, bias)
                (1): ReLU()
                (2): MaxPool2d(kernelSize: 2×2, stride: 2×2)
              )
              (dropout): Dropout(p: 0.2)
              (head): Linear(1568 → 10, bias: false)
            )
            Total parameters: 15,760
            """)
        #expect(model.parameterCount == 8 * 9 + 8 + 1568 * 10)
        #expect(MultiheadAttention(dModel: 8, numHeads: 2).description.hasPrefix("""
            MultiheadAttention(dModel: 8, numHeads: 2
              (out_proj): Linear(8 → 8, bias)
            """))
        #expect(Linear(4, 8).description == "Linear(4 → 8, bias)\nTotal parameters: 40")
    }

    @Test func datasetsPrintSummaries() {
        let images = TensorDataset(features: Tensor.zeros([6, 1, 28, 28]), labels: IntTensor([0, 1, 2, 9, 3, 4]))
        #expect(images.description == "TensorDataset(6 examples, features [1, 28, 28], 10 classes)")
        #expect(FashionMNIST(split: .train, data: images).description
                == "FashionMNIST(split: train, 6 examples, images [1, 28, 28], 10 classes)")
        #expect(MNIST(split: .test, data: images).description == "MNIST(split: test, 6 examples, images [1, 28, 28], 10 classes)")
        #expect(TextCorpus(bytes: Array("hello".utf8)).description == "TextCorpus(5 tokens, vocabulary of 4 bytes)")
        let regression = RegressionDataset(features: Tensor.zeros([3, 2]), targets: Tensor.zeros([3, 1]))
        #expect(regression.description == "RegressionDataset(3 examples, features [2], targets [1])")
        let table = TabularDataset(columns: [TabularColumn(name: "x", values: .numeric([1, 2]))], labelName: "y",
                                   target: .classes(indices: [0, 1], names: ["no", "yes"]), path: "/data/t.csv")
        #expect(table.description == "TabularDataset(2 rows, 1 feature columns, label \"y\": 2 classes, from t.csv)")
    }
}
