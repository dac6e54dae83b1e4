import Foundation
import Testing
@testable import SynapseEval
import SynapseTestSupport

/// The sliding-window monitor on seeded streams: in distribution, shifted, re-mixed, concurrent.
@Suite struct DriftMonitorTests {
    static let classWeights = [0.5, 0.3, 0.2]

    /// Training data of two standard-normal features and a three-class classifier.
    static func profile() throws -> TrainingDataProfile {
        let sampler = DriftSampler(seed: 11)
        let rows = (0..<5000).map { _ in sampler.normals(2) }
        let classes = rows.map { _ in sampler.category(classWeights) }
        return try TrainingDataProfile(featureNames: ["x0", "x1"], rows: rows,
                                       predictions: .classes(classes, classNames: ["a", "b", "c"]))
    }

    /// Feeds `count` rows with `x0` shifted by `shift` standard deviations and classes drawn from `weights`.
    static func feed(_ monitor: DriftMonitor, count: Int, shift: Double = 0, weights: [Double] = classWeights, seed: UInt64) {
        let sampler = DriftSampler(seed: seed)
        for _ in 0..<count {
            monitor.observe(features: [sampler.normal(mean: shift), sampler.normal()], predictedClass: sampler.category(weights))
        }
    }

    @Test func streamFromTheTrainingDistributionStaysStable() throws {
        let monitor = DriftMonitor(profile: try Self.profile())
        Self.feed(monitor, count: 3000, seed: 21)
        let report = monitor.report()
        #expect(!report.isWarmingUp && report.windowCount == 1000 && report.totalObserved == 3000)
        for feature in report.features {
            #expect(feature.psi < 0.1, "\(feature.name): PSI \(feature.psi)")
            #expect(feature.ks < 0.1 && feature.liveCount == 1000)
        }
        #expect(report.prediction.psi < 0.1 && report.prediction.liveCount == 1000)
        #expect(report.alerts.isEmpty)
    }

    @Test func shiftedStreamCrossesTheThresholdAndAlerts() throws {
        let monitor = DriftMonitor(profile: try Self.profile())
        Self.feed(monitor, count: 1000, seed: 22)
        #expect(monitor.report().alerts.isEmpty)
        // The window slides: after another full window of shifted rows only those remain.
        Self.feed(monitor, count: 1000, shift: 1, seed: 23)
        let report = monitor.report()
        #expect(report.features[0].psi > 0.2, "shifted PSI \(report.features[0].psi)")
        #expect(report.features[0].ks > 0.25)
        #expect(report.features[1].psi < 0.1)
        #expect(report.alerts == ["x0"])
    }

    @Test func shiftedClassMixRaisesThePredictionAlert() throws {
        let monitor = DriftMonitor(profile: try Self.profile())
        Self.feed(monitor, count: 1000, weights: [0.2, 0.3, 0.5], seed: 24)
        let report = monitor.report()
        #expect(report.prediction.psi > 0.2, "prediction PSI \(report.prediction.psi)")
        #expect(report.prediction.ks == nil)
        #expect(report.alerts == [DriftReport.predictionAlertName])
    }

    @Test func regressorPredictionsAreComparedAsValues() throws {
        let sampler = DriftSampler(seed: 12)
        let rows = (0..<2000).map { _ in [sampler.normal()] }
        let profile = try TrainingDataProfile(featureNames: ["x"], rows: rows, predictions: .values(rows.map { 2 * $0[0] }))
        let monitor = DriftMonitor(profile: profile, windowSize: 500)
        for _ in 0..<500 {
            let x = sampler.normal()
            monitor.observe(features: [x], predictedValue: 2 * x + 3)
        }
        let report = monitor.report()
        #expect(report.features[0].psi < 0.1)
        #expect(report.prediction.psi > 0.2 && (report.prediction.ks ?? 0) > 0.4)
        #expect(report.alerts == [DriftReport.predictionAlertName])
    }

    @Test func warmingUpRaisesNoAlertAndBadRowsAreCounted() throws {
        let monitor = DriftMonitor(profile: try Self.profile(), minimumCount: 100)
        Self.feed(monitor, count: 98, shift: 3, seed: 25)
        monitor.observe(features: [1, 2, 3], predictedClass: 0)
        monitor.observe(features: [.nan, 0], predictedClass: 7)
        var report = monitor.report()
        #expect(report.isWarmingUp && report.alerts.isEmpty && report.features[0].psi > 0.2)
        #expect(report.rejectedCount == 1 && report.windowCount == 99 && report.features[0].liveCount == 98)
        #expect(report.prediction.liveCount == 98)
        monitor.observe(features: [3, 0], predictedClass: 0)
        report = monitor.report()
        #expect(!report.isWarmingUp && report.alerts.contains("x0"))
    }

    @Test func concurrentObserversAreSafe() throws {
        let monitor = DriftMonitor(profile: try Self.profile(), windowSize: 500)
        onOwnThreads(5) { worker in
            if worker == 4 {
                for _ in 0..<50 { _ = monitor.report() }
            } else {
                Self.feed(monitor, count: 2500, seed: 30 + UInt64(worker))
            }
        }
        let report = monitor.report()
        #expect(report.totalObserved == 10_000 && report.windowCount == 500)
        #expect(report.features.allSatisfy { $0.liveCount == 500 && $0.psi < 0.1 })
    }
}
