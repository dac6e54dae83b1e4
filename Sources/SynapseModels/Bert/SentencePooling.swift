/// How token states become one sentence vector (sentence-transformers' `Pooling` modes).
public enum SentencePooling: String, Sendable, CaseIterable {
    /// Mean over the tokens the attention mask keeps (sentence-transformers' default).
    case mean
    /// The first token's ([CLS]) state.
    case cls
    /// Element-wise maximum over the kept tokens.
    case max
    /// Sum over kept tokens divided by √(token count).
    case meanSqrtLength
}
