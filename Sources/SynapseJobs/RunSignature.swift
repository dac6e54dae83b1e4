import Foundation
import SynapseCore
import SynapseIO
import SynapseTraining

/// Records a run's hyperparameters (`TabularTrainingOptions.hyperparameters`) inside every
/// checkpoint, so the checkpoint is self-contained and `--resume` can compare them with the
/// resuming run's: a different seed means a different split (test rows would leak into training),
/// a different learning rate or schedule silently changes what the run is.
///
/// `CallbackState` only carries numbers, but its keys are free text: each option travels as a key
/// `name=value` with the value 1, which keeps the exact text of every option without touching the
/// checkpoint format.
final class RunSignature: CheckpointableCallback {
    /// The checkpoint entry holding the options.
    static let key = "run_options"
    let checkpointKey = RunSignature.key
    let options: [String: String]

    init(options: [String: String]) { self.options = options }

    func checkpointState() -> CallbackState { Self.state(options) }

    /// Nothing to restore: the comparison is done before the trainer restores (see `differences`).
    func restore(from state: CallbackState) throws(CheckpointError) {}

    /// The state recording `options`.
    static func state(_ options: [String: String]) -> CallbackState {
        CallbackState(values: Dictionary(uniqueKeysWithValues: options.map { ("\($0.key)=\($0.value)", 1.0) }))
    }

    /// The options recorded in `state`.
    static func options(in state: CallbackState) -> [String: String] {
        var out: [String: String] = [:]
        for key in state.values.keys {
            guard let eq = key.firstIndex(of: "=") else { continue }
            out[String(key[..<eq])] = String(key[key.index(after: eq)...])
        }
        return out
    }

    /// One line per option that differs, `--lr: checkpoint 0.001, now 0.01`, in name order.
    static func differences(recorded: [String: String], current: [String: String]) -> [String] {
        Set(recorded.keys).union(current.keys).sorted().compactMap { name in
            let a = recorded[name] ?? "(not recorded)", b = current[name] ?? "(not set)"
            return a == b ? nil : "--\(name): checkpoint \(a), now \(b)"
        }
    }
}
