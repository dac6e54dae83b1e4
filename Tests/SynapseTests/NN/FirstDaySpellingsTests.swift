import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseNN
@testable import SynapseOptim

/// The spellings a PyTorch user types on the first day compile and mean what PyTorch means.
@Suite("First-day spellings")
struct FirstDaySpellingsTests {
    @Test func poolingAndDropoutPositional() {
        let maxPool = MaxPool2d(2), avgPool = AvgPool2d(2)
        #expect(maxPool.kernelSize == (2, 2) && maxPool.stride == (2, 2))
        #expect(avgPool.kernelSize == (2, 2) && avgPool.stride == (2, 2))
        #expect(MaxPool2d(3, stride: 1).stride == (1, 1))
        let x = Tensor(shape: [1, 1, 4, 4], scalars: (0..<16).map(Float.init))
        #expect(maxPool(x).scalars == [5, 7, 13, 15])
        #expect(avgPool(x).scalars == [2.5, 4.5, 10.5, 12.5])
        #expect(Dropout(0.2).p == 0.2)
        #expect(Dropout(p: 0.2).p == 0.2)
        #expect(Dropout().p == 0.5)
        let linear = Linear(4, 8)
        #expect(linear.inFeatures == 4 && linear.outFeatures == 8)
    }

    @Test func optimizersTakeLr() {
        let model = Sequential { Linear(4, 8); ReLU(); Linear(8, 2) }
        #expect(Adam(model.parameters(), lr: 1e-3).learningRate == 1e-3)
        #expect(SGD(model.parameters(), lr: 0.1, momentum: 0.9).learningRate == 0.1)
        let adamW = AdamW(model.parameters(), lr: 2e-3)
        #expect(adamW.learningRate == 2e-3 && adamW.weightDecay == 0.01 && adamW.decoupled)
        #expect(!Adam(model.parameters(), lr: 1e-3).decoupled)
        #expect(Adagrad(model.parameters(), lr: 0.05).learningRate == 0.05)
        #expect(RMSprop(model.parameters(), lr: 0.002).learningRate == 0.002)
        // The earlier label keeps working.
        #expect(Adam(model.parameters(), learningRate: 0.01).learningRate == 0.01)
        #expect(SGD(model.parameters(), learningRate: 0.3).learningRate == 0.3)
        #expect(Adam(model.parameters()).learningRate == 1e-3)
    }

    @Test func accuracyIsOneLine() {
        let logits = Tensor(shape: [4, 3], scalars: [0.1, 0.9, 0.0,   2, 1, 0,   0, 0, 5,   1, 3, 2])
        let labels = IntTensor([1, 0, 1, 2])
        let pred = logits.argmax(dim: 1)
        #expect((pred .== labels) == IntTensor([1, 1, 0, 0]))
        #expect((pred .!= labels) == IntTensor([0, 0, 1, 1]))
        let acc = Float((pred .== labels).sum()) / Float(labels.count)
        #expect(acc == 0.5)
        #expect((pred .== labels).mean() == 0.5)
        #expect(pred.eq(labels).sum() == 2 && pred.ne(labels).sum() == 2)
        #expect(pred.eq(2).scalars == [0, 0, 1, 0] && (pred .== 1).sum() == 2)
        #expect(pred.count(where: { $0 == 1 }) == 2)
        // `==` stays whole-value equality.
        #expect(pred != labels)
        #expect(pred == IntTensor([1, 0, 2, 1]))
    }
}
