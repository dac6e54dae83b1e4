import Foundation
import Logging
import SynapseEval
import SynapseJobs

/// The server's drift monitor for a model version that has a training-data profile: a sliding
/// window of live drift features and predictions (`DriftMonitor`) compared with the profile the
/// training run saved beside the weights (`<stem>.profile.json`, see `ServingProfile`).
///
/// Statistics are withheld while the window is warming up (fewer than `minimumCount`
/// observations), so a handful of early requests cannot raise a drift warning.
public final class ProfileDriftMonitor: ServingDriftMonitor {
    /// The window and the statistics.
    public let monitor: DriftMonitor

    /// A monitor of `profile` over the last `windowSize` answered rows.
    public init(profile: TrainingDataProfile, windowSize: Int = 1000, minimumCount: Int = 100) {
        monitor = DriftMonitor(profile: profile, windowSize: max(1, windowSize), minimumCount: max(0, minimumCount))
    }

    /// Records one answered row.
    public func observe(features: [Double], prediction: ServedPrediction) {
        monitor.observe(features: features, predictedClass: prediction.classIndex, predictedValue: prediction.values.first)
    }

    /// PSI and KS per feature, then the prediction shift as feature "prediction"; empty while warming up.
    public func statistics() -> [DriftFeatureStatistic] {
        let report = monitor.report()
        guard !report.isWarmingUp else { return [] }
        return report.features.map { DriftFeatureStatistic(feature: $0.name, psi: $0.psi, ks: $0.ks) }
            + [DriftFeatureStatistic(feature: DriftReport.predictionAlertName, psi: report.prediction.psi, ks: report.prediction.ks ?? 0)]
    }

    /// The factory `ServerConfiguration.driftMonitorFactory` takes by default: a monitor for every
    /// version whose weights have a profile that matches the model's drift features; none (logged)
    /// where the profile is missing, unreadable or for other features.
    public static func factory(windowSize: Int = 1000, minimumCount: Int = 100,
                               logger: Logger = Logger(label: "synapse.serve")) -> @Sendable (URL, ServableModelInfo) -> (any ServingDriftMonitor)? {
        { directory, info in
            guard info.task != .generation, let weights = try? ServableModels.weightsFile(in: directory) else { return nil }
            let url = TrainingDataProfile.url(forWeights: weights)
            guard FileManager.default.fileExists(atPath: url.path) else {
                logger.info("drift: no training-data profile at \(url.path); drift is not monitored for this version")
                return nil
            }
            let profile: TrainingDataProfile
            do { profile = try TrainingDataProfile.load(from: url) } catch {
                logger.warning("drift: \(error); drift is not monitored for this version")
                return nil
            }
            guard profile.featureNames == info.driftFeatureNames else {
                logger.warning("""
                    drift: \(url.path) profiles features \(profile.featureNames.prefix(8)), the model watches \
                    \(info.driftFeatureNames.prefix(8)); drift is not monitored for this version
                    """)
                return nil
            }
            return ProfileDriftMonitor(profile: profile, windowSize: windowSize, minimumCount: minimumCount)
        }
    }
}
