import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseData
@testable import SynapseModels
@testable import SynapseNN
@testable import SynapseOptim

/// The one vocabulary of CONTRIBUTING.md: both initialiser forms of the common layers build the
/// same layer, and `print(model)` shows the constructor arguments.
@Suite("One vocabulary")
struct VocabularyTests {
    @Test func labelledAndPositionalFormsAgree() {
        let linear = Linear(inFeatures: 4, outFeatures: 8)
        #expect(linear.inFeatures == 4 && linear.outFeatures == 8)
        #expect(Conv2d(1, 32, 3).weight.shape == [32, 1, 3, 3])
        #expect(Conv2d(1, 32, (3, 5)).weight.shape == [32, 1, 3, 5])
        #expect(Conv2d(inChannels: 1, outChannels: 32, kernelSize: 3).weight.shape == [32, 1, 3, 3])
        #expect(Conv1d(16, 33, 3).weight.shape == [33, 16, 3])
        #expect(Conv1d(inChannels: 16, outChannels: 33, kernelSize: 3).weight.shape == [33, 16, 3])
        #expect(ConvTranspose2d(16, 8, 2, stride: 2).weight.shape == [16, 8, 2, 2])
        let lstm = LSTM(10, 20, numLayers: 2)
        #expect(lstm.inputSize == 10 && lstm.hiddenSize == 20 && lstm.numLayers == 2)
        #expect(RNN(10, 20).hiddenSize == 20 && GRU(10, 20).inputSize == 10)
        #expect(LSTMCell(10, 20).hiddenSize == 20 && GRUCell(10, 20).inputSize == 10 && RNNCell(10, 20).hiddenSize == 20)
        let embedding = Embedding(numEmbeddings: 1000, embeddingDim: 64)
        #expect(embedding.numEmbeddings == 1000 && embedding.embeddingDim == 64)
        #expect(Embedding(1000, 64).weight.shape == [1000, 64])
        #expect(BatchNorm2d(numFeatures: 16).numFeatures == 16)
        #expect(LayerNorm(normalizedShape: 64).normalizedShape == [64])
        #expect(GroupNorm(4, 16).numGroups == 4)
        #expect(AdaptiveAvgPool2d(outputSize: 1).outputSize == (1, 1))
        let attention = MultiheadAttention(64, 8)
        #expect(attention.dModel == 64 && attention.numHeads == 8 && attention.headDim == 8)
        let encoder = TransformerEncoderLayer(32, 4, dimFeedforward: 64)
        #expect(encoder.dModel == 32 && encoder.numHeads == 4 && encoder.dimFeedforward == 64)
        #expect(TransformerDecoderLayer(dModel: 32, numHeads: 4).numHeads == 4)
        let positions = LearnedPositionalEncoding(dModel: 8, maxLength: 5)
        #expect(positions.weight.shape == [5, 8])
        let gpt = GPTLanguageModel(vocabularySize: 11, contextLength: 8, dModel: 16, numLayers: 2, numHeads: 4, dimFeedforward: 32)
        #expect(gpt.dModel == 16 && gpt.numHeads == 4 && gpt.blocks.count == 2)
    }

    @Test func descriptionsShowConstructorArguments() {
        #expect(LSTM(10, 20, numLayers: 2, batchFirst: true).description == "LSTM(10 → 20, numLayers: 2, batchFirst)\nTotal parameters: 5,920")
        #expect(GRU(4, 6, bidirectional: true).description.hasPrefix("GRU(4 → 6, bidirectional)"))
        #expect(RNN(3, 5, nonlinearity: .relu, bias: false, dropout: 0.5).description
            .hasPrefix("RNN(3 → 5, nonlinearity: relu, bias: false, dropout: 0.5)"))
        #expect(LSTMCell(3, 5).description.hasPrefix("LSTMCell(3 → 5)"))
        #expect(RNNCell(3, 5, nonlinearity: .relu).description.hasPrefix("RNNCell(3 → 5, nonlinearity: relu)"))
        #expect(TransformerEncoderLayer(dModel: 8, numHeads: 2, dimFeedforward: 16, batchFirst: true).description.hasPrefix("""
            TransformerEncoderLayer(dModel: 8, numHeads: 2, dimFeedforward: 16, dropout: 0.1, batchFirst
              (self_attn): MultiheadAttention(dModel: 8, numHeads: 2, batchFirst
            """))
        #expect(TransformerDecoderLayer(dModel: 8, numHeads: 2, dimFeedforward: 16, dropout: 0, activation: .gelu,
                                        normFirst: true).description
            .hasPrefix("TransformerDecoderLayer(dModel: 8, numHeads: 2, dimFeedforward: 16, dropout: 0.0, activation: gelu, normFirst\n"))
        #expect(SinusoidalPositionalEncoding(dModel: 4, maxLength: 10).description.hasPrefix("SinusoidalPositionalEncoding(dModel: 4, maxLength: 10)"))
    }

    @Test func hyperparametersAreDouble() {
        let model = Linear(2, 1)
        let adam = Adam(model.parameters(), learningRate: 0.1, betas: (0.9, 0.999), weightDecay: 0.01)
        let rate: Double = adam.learningRate
        #expect(rate == 0.1 && adam.betas.0 == 0.9)
        let scheduler = ScheduledLR(adam, schedule: OneCycleLR(maxLearningRate: 0.5, totalSteps: 10))
        let any: any LRScheduler = scheduler
        #expect(Swift.abs(any.learningRate - 0.5 / 25) < 1e-12 && adam.learningRate == any.learningRate)
        #expect(Swift.abs(adam.betas.0 - 0.95) < 1e-12)
        #expect(LinearLR(totalSteps: 4).totalSteps == 4)
        let plateau = ReduceLROnPlateau(SGD(model.parameters(), lr: 0.1), minLearningRate: 0.01, baseLearningRate: 0.2)
        #expect(plateau.learningRate == 0.2 && plateau.minLearningRate == 0.01)
    }

    @Test func oneSubsetAPI() {
        let data = TensorDataset(features: Tensor(shape: [3, 2], scalars: [0, 1, 2, 3, 4, 5]), labels: IntTensor([0, 1, 2]))
        let copy: TensorDataset = data.subset([2, 0])
        #expect(copy.labels == IntTensor([2, 0]))
    }
}
