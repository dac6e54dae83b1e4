import Foundation
import Synapse

/// W12's step trace (`SYNAPSE_W12_STEP_TRACE=prefix`, a developer tool): when each timed step of
/// this process ended and how long it waited in `finishBackward` (the gradient reduction), one
/// `"<monotonic ns> <wait ns>"` line per step in `prefix.<rank>`. The ranks' clocks are the same
/// on one host, so `scripts/w12-step-trace.py` can line the ranks' steps up: how long a step
/// takes, how much of it is waiting for the slower rank and how much the reduction itself costs.
final class W12StepTrace: TrainingCallback {
    private let ddp: DistributedDataParallel
    private let path: String
    private var lines: [String] = []
    private var waitedBefore = 0.0

    /// Traces the steps `ddp` synchronises into `path`.
    init(ddp: DistributedDataParallel, path: String) {
        self.ddp = ddp
        self.path = path
    }

    func batchEnd(_ context: TrainingContext) throws {
        let waited = ddp.synchronization.seconds
        lines.append("\(DispatchTime.now().uptimeNanoseconds) \(Int((waited - waitedBefore) * 1e9))")
        waitedBefore = waited
    }

    /// Writes the trace (after the timed epochs).
    func write() throws {
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }
}
