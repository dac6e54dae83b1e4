import SynapseCore

/// Learning-rate schedules selectable by name (`--lr-schedule`), the same for every training job.
/// How long "the run" is depends on the job: epochs for image and tabular runs, steps (in epochs
/// of `--log-every` steps) for language models.
public enum LearningRateScheduleChoice: String, Sendable, CaseIterable {
    /// Constant learning rate.
    case none
    /// Cosine annealing per batch over the whole run down to 1 % of the base rate.
    case cosine
    /// ×0.1 after each third of the epochs.
    case step
    /// ×0.5 after 5 epochs without `val_loss` improving (reduce-on-plateau).
    case plateau
    /// Linear warm-up over the first 10 % of the optimizer steps, then linear decay to 0 at the
    /// last step (BERT's fine-tuning schedule; the default of text fine-tuning).
    case warmupLinear = "warmup-linear"
}
