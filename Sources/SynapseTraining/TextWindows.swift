import SynapseCore
import SynapseData
import SynapseModels

/// The training examples of a character language model: every window of `length` tokens of a
/// corpus with its next-token targets, example `i` starting at token `i` (so `count` is
/// `corpus.count - length`). With a sampling `DataLoader` (`TextWindows.loader`) a batch is
/// `batchSize` windows at uniformly random offsets, drawn exactly as `TextCorpus.randomWindows`
/// draws them, which keeps runs comparable with the PyTorch reference scripts.
public struct TextWindows: BatchedDataset, Sendable {
    /// Inputs and next-token targets, `[B, length]` each.
    public typealias Batch = (inputs: IntTensor, targets: IntTensor)

    /// The corpus the windows are cut from.
    public let corpus: TextCorpus
    /// Tokens per window.
    public let length: Int

    /// The windows of `length` tokens of `corpus`; the corpus must hold more than `length` tokens
    /// (callers check this against user input first and throw).
    public init(_ corpus: TextCorpus, length: Int) {
        require(length >= 1 && corpus.count > length,
                "TextWindows: windows of \(length) tokens need a corpus of more than \(length) tokens, got \(corpus.count)")
        self.corpus = corpus
        self.length = length
    }

    /// Number of distinct windows (start offsets).
    public var count: Int { corpus.count - length }

    /// The window starting at token `index`.
    public subscript(index: Int) -> Batch { batch([index]) }

    /// The windows starting at `indices`, stacked.
    public func batch(_ indices: [Int]) -> Batch {
        var inputs: [Int] = [], targets: [Int] = []
        inputs.reserveCapacity(indices.count * length)
        targets.reserveCapacity(indices.count * length)
        let ids = corpus.ids
        for start in indices {
            for t in start..<(start + length) {
                inputs.append(Int(ids[t]))
                targets.append(Int(ids[t + 1]))
            }
        }
        return (IntTensor(shape: [indices.count, length], scalars: inputs), IntTensor(shape: [indices.count, length], scalars: targets))
    }

    /// The generator of training windows for `seed` (the loader's `.dataOrder` stream, independent
    /// of the initialisation stream).
    public static func trainingGenerator(seed: UInt64) -> RandomGenerator { RandomGenerator(seed: seed, stream: .dataOrder) }

    /// The generator of validation windows for `seed` (stream 4, shared with the PyTorch reference
    /// scripts so both evaluate the same windows).
    public static func validationGenerator(seed: UInt64) -> RandomGenerator {
        RandomGenerator(seed: seed, stream: RandomStream(rawValue: 4))
    }

    /// A sampling loader of `batchesPerEpoch` batches of `batchSize` random windows per epoch, drawn from `generator`.
    public func loader(batchSize: Int, batchesPerEpoch: Int, generator: RandomGenerator) -> DataLoader<TextWindows> {
        DataLoader(self, batchSize: batchSize, randomBatches: batchesPerEpoch, generator: generator)
    }
}

extension TrainingObjective where Batch == TextWindows.Batch {
    /// Next-token cross-entropy of a language model on `(inputs, targets)` windows (the mean over
    /// every token, as `LanguageModel.loss`); predictions are the logits `[B, T, vocabulary]`.
    public static func languageModel(_ model: some LanguageModel) -> TrainingObjective {
        TrainingObjective(forward: { batch in
            let logits = model.logits(batch.inputs)
            let flat = logits.reshaped([-1, model.vocabularySize])
            return (logits, crossEntropy(flat, IntTensor(shape: [batch.targets.count], scalars: batch.targets.scalars)))
        }, targets: { $0.targets.asFloat })
    }
}
