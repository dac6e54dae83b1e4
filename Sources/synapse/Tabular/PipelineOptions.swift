import ArgumentParser
import Synapse

/// `synapse train` options of the tabular and forecasting runs (the `Trainer` pipeline), grouped
/// in their own type so that `TrainCommand` only declares the group.
struct PipelineOptions: ParsableArguments {
    @Option(help: "A JSON file of options whose keys mirror the flags (\"batch-size\": 32); flags given explicitly override it.")
    var config: String?

    @Option(help: "Tabular datasets: hidden layer widths of the MLP, comma-separated.")
    var hidden: String = "64,32"

    @Option(help: "Tabular datasets: early-stopping patience in epochs, restoring the best weights (0: off).")
    var patience: Int = 20

    @Option(help: "Tabular datasets: epoch log that early stopping and best.safetensors watch (val_loss, val_accuracy, val_mae, ...).")
    var monitor: String = "val_loss"

    @Option(name: .customLong("lr-schedule"), help: "Tabular datasets: learning-rate schedule: none, cosine, step, plateau.")
    var lrSchedule: String = "none"

    @Option(name: .customLong("clip-norm"), help: "Tabular datasets: clip the gradient's global L2 norm to this before each step.")
    var clipNorm: Double?

    @Option(name: .customLong("checkpoint-dir"), help: "Tabular datasets: write full checkpoints here (last.safetensors every epoch, best.safetensors).")
    var checkpointDir: String?

    @Option(help: "Tabular datasets: resume from this checkpoint (same options as the run that wrote it).")
    var resume: String?

    @Option(name: .customLong("log-dir"), help: "Write history.jsonl, history.csv, TensorBoard event files and loss/metric SVG curves here.")
    var logDir: String?

    @Option(help: "Forecasting datasets (sunspots, co2): lagged values per input window.")
    var window: Int = 12

    /// The hidden sizes, or a validation error naming the flag.
    func hiddenSizes() throws -> [Int] {
        let parts = hidden.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("--hidden must be comma-separated positive widths such as 64,32, got '\(hidden)'")
        }
        return parts.map { $0! }
    }

    /// The schedule, or a validation error listing the choices.
    func schedule() throws -> TabularTrainingOptions.Schedule {
        guard let s = TabularTrainingOptions.Schedule(rawValue: lrSchedule) else {
            throw ValidationError("--lr-schedule must be one of \(TabularTrainingOptions.Schedule.allCases.map(\.rawValue).joined(separator: ", ")), got '\(lrSchedule)'")
        }
        return s
    }
}
