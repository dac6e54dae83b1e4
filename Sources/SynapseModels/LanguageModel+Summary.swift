import SynapseCore
import SynapseNN

extension LanguageModel {
    /// Summarises a forward pass on token ids `input` [B, T] (see
    /// `Module.summary(inputShapes:forward:)`): the rows of every module call with its output
    /// shapes and parameters, and the model's totals.
    public func summary(input: IntTensor) -> ModuleSummary {
        summary(inputShapes: [input.shape]) { logits(input) }
    }
}
