import SynapseCore
import SynapseNN

/// A next-token model over a token vocabulary: what training, evaluation and text generation need
/// from `CharLSTMLanguageModel` and `GPTLanguageModel`.
public protocol LanguageModel: Module {
    /// Number of distinct tokens (the size of the logits' last dimension).
    var vocabularySize: Int { get }

    /// Next-token logits [B, T, vocabularySize] for token ids [B, T].
    func logits(_ tokens: IntTensor) -> Tensor

    /// A fresh decoding state for generating one sequence token by token.
    func makeDecoder() -> any LanguageModelDecoder
}

/// Incremental decoding state of a `LanguageModel` for one sequence.
///
/// Feed the prompt, then each sampled token; every call returns the logits of the token that comes
/// next. Recurrent models carry their hidden state between calls (no re-running of the prefix);
/// attention models keep the recent tokens and crop them to their context.
public protocol LanguageModelDecoder: AnyObject {
    /// Appends `tokens` (at least one) to the sequence and returns the next token's logits [vocabularySize].
    func feed(_ tokens: [Int]) -> [Float]
}

extension LanguageModel {
    /// Mean next-token cross-entropy of `inputs` [B, T] against `targets` [B, T].
    public func loss(_ inputs: IntTensor, _ targets: IntTensor) -> Tensor {
        require(inputs.shape == targets.shape,
                "\(type(of: self)).loss: inputs \(inputs.shape) and targets \(targets.shape) must have the same shape")
        let flat = logits(inputs).reshaped([-1, vocabularySize])
        return crossEntropy(flat, IntTensor(shape: [targets.count], scalars: targets.scalars))
    }
}
