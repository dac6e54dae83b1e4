/// How much of a pretrained encoder a text-classification run trains (`--finetune`).
public enum FineTuneRecipe: String, Sendable, CaseIterable {
    /// The encoder frozen; only the new linear head trains (feature extraction).
    case frozen
    /// LoRA adapters on the attention's query and value projections, plus the head; the
    /// encoder's own weights stay frozen (peft's recipe for sequence classification).
    case lora
    /// Every weight trains (classic fine-tuning).
    case full

    /// The learning rate used when none is given: a linear head and small adapters take large
    /// steps; the whole pretrained encoder takes BERT's usual small ones.
    public var defaultLearningRate: Double {
        switch self {
        case .frozen: 1e-3
        case .lora: 1e-3
        case .full: 5e-5
        }
    }

    /// Epochs when none are given: a head on fixed features needs more passes than a fine-tuned encoder.
    public var defaultEpochs: Int {
        switch self {
        case .frozen: 4
        case .lora, .full: 2
        }
    }
}
