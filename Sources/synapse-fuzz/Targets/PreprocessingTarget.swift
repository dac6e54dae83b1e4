import Foundation
import Synapse

/// Saved preprocessing states: `TabularPreprocessor` JSON and the `PipelinePreprocessing` file that
/// `synapse train` writes next to the weights (tabular and forecasting).
///
/// Seeds are real states: a preprocessor fitted on scikit-learn's breast cancer data, and the
/// pipeline states of a breast cancer run and a sunspots forecasting run (12-year windows), encoded
/// as `save(to:)` writes them.
///
/// Accepted corruption: a changed statistic is a legitimate different state, so a mutant may be
/// accepted, but only if applying it as `synapse evaluate` would yields finite features (and a
/// forecasting window that fits the series), never NaN or infinity.
struct PreprocessingTarget: FuzzTarget {
    let name = "preprocessing"

    private struct SeedData: Sendable {
        let cancer: TabularDataset
        let sunspots: TimeSeries
    }

    private static let data: SeedData? = {
        guard let cancer = try? TabularDataset.breastCancer(), let sunspots = try? TimeSeries.sunspots() else { return nil }
        return SeedData(cancer: cancer, sunspots: sunspots)
    }()

    private static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return [UInt8](try encoder.encode(value))
    }

    func seeds() throws -> [[UInt8]] {
        let cancer = try TabularDataset.breastCancer()
        let prep = try TabularPreprocessor.fitted(on: cancer.subset(Array(0..<400)))
        let sunspots = try TimeSeries.sunspots()
        let windows = try sunspots.windows(length: 12)
        let scaling = windows.standardized(fittedOn: Array(0..<200)).scaling
        // Pipeline states as `PipelinePreprocessing.save` writes them (sorted keys).
        let tabular = String(decoding: try Self.encode(prep), as: UTF8.self)
        let series = String(decoding: try Self.encode(scaling), as: UTF8.self)
        return [
            try Self.encode(prep),
            Array("{\n  \"dataset\" : \"breast-cancer\",\n  \"tabular\" : \(tabular)\n}".utf8),
            Array("{\n  \"dataset\" : \"sunspots\",\n  \"seriesScaling\" : \(series),\n  \"window\" : 12\n}".utf8),
        ]
    }

    func check(_ mutant: [UInt8], original: [UInt8]) -> FuzzVerdict {
        guard let data = Self.data else { return .corruptionAccepted("the seed data no longer loads") }
        let isPipeline = String(decoding: original, as: UTF8.self).contains("\"dataset\"")
        do {
            if !isPipeline {
                let prep = try TabularPreprocessor.decode(Data(mutant), path: "mutant")
                return Self.judge(try prep.transform(data.cancer))
            }
            let state = try PipelinePreprocessing.decode(Data(mutant), path: "mutant")
            if let prep = state.tabular {
                return Self.judge(try prep.transform(data.cancer))
            }
            guard let window = state.window, state.seriesScaling != nil else {
                return .corruptionAccepted("accepted a state with neither tabular nor series preprocessing")
            }
            let scaled = try state.scaledWindows(try data.sunspots.windows(length: window), path: "mutant")
            if case .corruptionAccepted(let why) = Self.judge(scaled.targets) { return .corruptionAccepted(why) }
            return Self.judge(scaled.features)
        } catch {
            return .rejected
        }
    }

    private static func judge(_ features: Tensor) -> FuzzVerdict {
        if let bad = features.scalars.first(where: { !$0.isFinite }) {
            return .corruptionAccepted("applying the accepted state gives the non-finite feature \(bad)")
        }
        return .accepted
    }
}
