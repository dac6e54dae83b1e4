import SynapseCore
import SynapseTraining

extension MonitorNames {
    /// The epoch logs `TabularTrainingJob` writes for `benchmark`.
    public static func tabular(_ benchmark: TabularBenchmark) -> [String] {
        benchmark.task == .classification ? classification : regression
    }
}
