import ArgumentParser
import Foundation
import Synapse

/// `synapse train` options of the tabular and forecasting runs (the `Trainer` pipeline), grouped
/// in their own type so that `TrainCommand` only declares the group. The dataset-specific ones are
/// optional so that a flag given for a dataset it does not apply to can be refused (a default value
/// cannot tell "given" from "not given").
struct PipelineOptions: ParsableArguments {
    @Option(help: "A JSON or YAML (.yaml, .yml) file of options whose keys mirror the flags (\"batch-size\": 32); flags given explicitly override it.")
    var config: String?

    @Option(help: "Hidden layer widths of the MLP, comma-separated (tabular default 64,32; image default 512,256).")
    var hidden: String?

    @Option(parsing: .unconditional, help: "Early-stopping patience in epochs, restoring the best weights (0: off; default 20 tabular datasets, 0 otherwise). Image datasets watch their test split (they have no validation split).")
    var patience: Int?

    @Option(help: "Epoch log that early stopping and best.safetensors watch (val_loss, val_accuracy, val_mae, ...; default val_loss).")
    var monitor: String?

    @Option(name: .customLong("lr-schedule"), help: "Learning-rate schedule: none, cosine, step, plateau, warmup-linear (default none; warmup-linear when fine-tuning --model minilm).")
    var lrSchedule: String?

    @Option(name: .customLong("clip-norm"), parsing: .unconditional,
            help: "Clip the gradient's global L2 norm to this before each step.")
    var clipNorm: Double?

    @Option(name: .customLong("checkpoint-dir"), help: "Write full checkpoints here (last.safetensors every epoch, best.safetensors; text corpora: an epoch is --log-every steps).")
    var checkpointDir: String?

    @Option(name: .customLong("checkpoint-every"), parsing: .unconditional,
            help: "Write last.safetensors every this many epochs (default: every epoch; tabular datasets: every epoch up to 100 epochs, else every hundredth of the run).")
    var checkpointEvery: Int?

    @Option(help: "Resume from this checkpoint; hyperparameters that differ from the checkpoint's (epochs or steps, lr, batch size, model, seed, ...) are refused unless --force.")
    var resume: String?

    @Flag(help: "With --resume, continue even though hyperparameters differ from the checkpoint's.")
    var force = false

    @Option(name: .customLong("log-dir"),
            help: "Write history.jsonl, history.csv, TensorBoard event files and loss/metric SVG curves here (default: the run directory).")
    var logDir: String?

    @Option(help: "Precision of matrix products and convolutions: float32 (default), bf16 (bfloat16 autocast: bf16 operands, Float32 accumulation, master weights and optimiser state) or fp16 (float16 autocast, emulated on CPUs, with dynamic loss scaling).")
    var precision: PrecisionName?

    @Option(parsing: .unconditional, help: "Forecasting datasets (sunspots, co2): lagged values per input window (default 12).")
    var window: Int?

    /// Range checks that need no dataset (the rest happens in `TabularTrainingOptions.validate`).
    func validateValues() throws {
        if hidden != nil { _ = try hiddenSizes() }
        if lrSchedule != nil { _ = try schedule() }
        if let patience, patience < 0 { throw ValidationError("--patience must be 0 (off) or positive, got \(patience)") }
        if let clipNorm, !(clipNorm > 0 && clipNorm.isFinite) { throw ValidationError("--clip-norm must be a positive number, got \(clipNorm)") }
        if let checkpointEvery, checkpointEvery < 1 { throw ValidationError("--checkpoint-every must be positive, got \(checkpointEvery)") }
        if checkpointEvery != nil && checkpointDir == nil { throw ValidationError("--checkpoint-every only applies with --checkpoint-dir") }
        if let window, window < 1 { throw ValidationError("--window must be at least 1, got \(window)") }
        if let monitor, monitor.isEmpty { throw ValidationError("--monitor must name an epoch log such as val_loss") }
        if force && resume == nil { throw ValidationError("--force only applies with --resume") }
    }

    /// The shared training controls of an image or text run (patience defaults to 0: off).
    func controls(showProgress: Bool) throws -> TrainingControls {
        var c = TrainingControls()
        c.schedule = try schedule()
        c.clipNorm = clipNorm
        c.patience = patience ?? 0
        c.monitor = monitor ?? c.monitor
        c.checkpointDirectory = checkpointDir.map { URL(fileURLWithPath: $0).standardizedFileURL }
        c.checkpointEvery = checkpointEvery
        c.resume = resume.map { URL(fileURLWithPath: $0) }
        c.force = force
        c.showProgress = showProgress
        c.precision = precision?.precision ?? .float32
        return c
    }

    /// The controls as config.json records them, keyed like the flags (so the file can be given back to `--config`).
    func resolvedControls(_ c: TrainingControls) -> [String: Any] {
        var config: [String: Any] = ["patience": c.patience, "lr-schedule": c.schedule.rawValue]
        // Recorded only with early stopping: config.json holds no paths (so no --checkpoint-dir), and
        // `--config` refuses a --monitor that nothing watches.
        if c.patience > 0 { config["monitor"] = c.monitor }
        if let clipNorm = c.clipNorm { config["clip-norm"] = clipNorm }
        if c.precision != .float32 { config["precision"] = PrecisionName(c.precision).rawValue }
        return config
    }

    /// The hidden sizes (default 64,32), or a validation error naming the flag.
    func hiddenSizes() throws -> [Int] {
        guard let hidden else { return [64, 32] }
        let parts = hidden.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 && ($0 ?? 0) <= TabularEvaluationJob.maxWidth }) else {
            throw ValidationError("--hidden must be comma-separated positive widths (at most \(TabularEvaluationJob.maxWidth)) such as 64,32, got '\(hidden)'")
        }
        return parts.map { $0! }
    }

    /// The schedule (default none), or a validation error listing the choices.
    func schedule() throws -> LearningRateScheduleChoice {
        guard let lrSchedule else { return .none }
        guard let s = LearningRateScheduleChoice(rawValue: lrSchedule) else {
            throw ValidationError("--lr-schedule must be one of \(LearningRateScheduleChoice.allCases.map(\.rawValue).joined(separator: ", ")), got '\(lrSchedule)'")
        }
        return s
    }
}
