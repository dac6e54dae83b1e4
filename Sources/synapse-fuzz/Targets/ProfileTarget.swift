import Foundation
import Synapse

/// Training-data profiles (`weights.profile.json`), which `synapse serve` reads beside every model
/// it loads to watch its inputs drift.
///
/// Seeds are real profiles as `synapse train` writes them: the 30 features of scikit-learn's breast
/// cancer data with a classifier's predicted classes, and sunspot windows (12 months) with a
/// regressor's predicted values.
///
/// Accepted corruption: a changed statistic is a legitimate different profile, so a mutant may be
/// accepted, but only if a drift monitor built on it, fed real rows, reports finite statistics in
/// range (PSI ≥ 0, KS in 0…1) for every feature and the predictions, never NaN or a crash.
struct ProfileTarget: FuzzTarget {
    let name = "profile"

    private struct SeedData: Sendable {
        let cancer: [[Double]]
        let sunspots: [[Double]]
    }

    private static let data: SeedData? = try? seedData()

    private static func seedData() throws -> SeedData {
        let cancer = try TabularDataset.breastCancer()
        let columns: [[Double]] = cancer.columns.compactMap { column in
            if case .numeric(let values) = column.values { return values }
            return nil
        }
        let cancerRows = (0..<cancer.count).map { row in columns.map { $0[row] } }
        let series = try TimeSeries.sunspots().values
        let window = 12
        let sunspotRows = stride(from: 0, to: series.count - window, by: 7).map { Array(series[$0..<$0 + window]) }
        return SeedData(cancer: cancerRows, sunspots: sunspotRows)
    }

    func seeds() throws -> [[UInt8]] {
        let data = try Self.seedData()
        let cancerNames = (0..<data.cancer[0].count).map { "feature \($0)" }
        let classes = data.cancer.map { $0[0] > 14 ? 1 : 0 }
        let cancer = try TrainingDataProfile(featureNames: cancerNames, rows: data.cancer,
                                             predictions: .classes(classes, classNames: ["benign", "malignant"]),
                                             referenceSize: 200, seed: 1)
        let windowNames = (0..<12).map { "t-\(12 - $0)" }
        let sunspots = try TrainingDataProfile(featureNames: windowNames, rows: data.sunspots,
                                               predictions: .values(data.sunspots.map { $0.reduce(0, +) / 12 }),
                                               referenceSize: 200, seed: 1)
        return try [cancer, sunspots].map { profile in
            let url = FuzzScratchFile.url("profile-seed")
            defer { try? FileManager.default.removeItem(at: url) }
            try profile.write(to: url)
            return [UInt8](try Data(contentsOf: url))
        }
    }

    func check(_ mutant: [UInt8], original: [UInt8]) -> FuzzVerdict {
        guard let data = Self.data else { return .corruptionAccepted("the seed data no longer loads") }
        guard let url = FuzzScratchFile.write(mutant, name: "profile.json") else { return .rejected }
        let profile: TrainingDataProfile
        do {
            profile = try TrainingDataProfile.load(from: url)
        } catch {
            return .rejected
        }
        // Feed the monitor real rows of the right width, as the server feeds it live inputs.
        let width = profile.features.count
        let source = data.cancer[0].count >= width ? data.cancer : data.sunspots
        guard let first = source.first, first.count >= width else {
            return .accepted   // wider than any real row: nothing real to observe
        }
        let monitor = DriftMonitor(profile: profile, windowSize: 200, minimumCount: 1)
        for (i, row) in source.prefix(200).enumerated() {
            monitor.observe(features: Array(row.prefix(width)), predictedClass: i % 2, predictedValue: row[0])
        }
        let report = monitor.report()
        for feature in report.features where !(feature.psi.isFinite && feature.psi >= 0 && (0...1).contains(feature.ks)) {
            return .corruptionAccepted("feature '\(feature.name)': PSI \(feature.psi), KS \(feature.ks) from an accepted profile")
        }
        let prediction = report.prediction
        if !(prediction.psi.isFinite && prediction.psi >= 0) || !(prediction.ks.map { (0...1).contains($0) } ?? true) {
            return .corruptionAccepted("predictions: PSI \(prediction.psi), KS \(String(describing: prediction.ks)) from an accepted profile")
        }
        return .accepted
    }
}
