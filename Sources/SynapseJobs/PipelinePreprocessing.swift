import Foundation
import SynapseCore
import SynapseData
import SynapseIO

/// The preprocessing a tabular or forecasting run fitted on its training split, saved next to
/// the weights (`<stem>.preprocessing.json`) so that evaluation maps data exactly as training did.
public struct PipelinePreprocessing: Codable, Sendable, Equatable {
    /// The dataset it was fitted on (`breast-cancer`, ...).
    public var dataset: String
    /// Column imputation, scaling and one-hot state (tabular datasets).
    public var tabular: TabularPreprocessor?
    /// Standardisation of the series values (forecasting).
    public var seriesScaling: ScalingParameters?
    /// Input window length (forecasting).
    public var window: Int?

    /// Writes the state as JSON, atomically.
    public func save(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: url)
    }

    /// The longest input window a saved state may name: far beyond any series Synapse ships, low
    /// enough that a forged file cannot make the forecaster allocate gigabytes.
    public static let maxWindow = 100_000

    /// The keys a saved state may hold.
    static let keySchema = JSONKeySchema.object([
        "dataset": .value, "tabular": JSONKeySchema.tabularPreprocessor, "seriesScaling": JSONKeySchema.scaling, "window": .value,
    ])

    /// Reads a state written by `save(to:)`.
    /// - Throws: `PipelineError.invalidRun` naming the file when it is missing or not a valid state.
    public static func load(from url: URL) throws(PipelineError) -> PipelinePreprocessing {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw .invalidRun(path: url.path, reason: "preprocessing file not found (it is written next to the weights by `synapse train`)")
        }
        return try decode(data, path: url.path)
    }

    /// Decodes and validates a state held in memory; `path` names it in errors.
    /// - Throws: `PipelineError.invalidRun` for invalid JSON, an unknown key, a wrong type, or a
    ///   value out of range (see `validate(path:)`).
    public static func decode(_ data: Data, path: String) throws(PipelineError) -> PipelinePreprocessing {
        if let key = keySchema.firstUnknownKey(inDocument: data) {
            throw .invalidRun(path: path, reason: "not a preprocessing state: unknown key \"\(key)\"")
        }
        let state: PipelinePreprocessing
        do { state = try JSONDecoder().decode(PipelinePreprocessing.self, from: data) } catch {
            throw .invalidRun(path: path, reason: "not a preprocessing state: \(error)")
        }
        try state.validate(path: path)
        return state
    }

    /// The windows' inputs and targets mapped by `seriesScaling` (as training mapped them).
    /// - Throws: `PipelineError.invalidRun` naming `path` when the state has no series scaling, or
    ///   when a mapped value overflows 32-bit floats (a forged shift or scale).
    public func scaledWindows(_ windows: TimeSeriesWindows, path: String) throws(PipelineError) -> RegressionDataset {
        guard let scaling = seriesScaling else { throw .invalidRun(path: path, reason: "the state holds no series scaling") }
        func map(_ t: Tensor) throws(PipelineError) -> Tensor {
            let values = t.contiguous().scalars
            var out: [Float] = []
            out.reserveCapacity(values.count)
            for v in values {
                let x = Float(scaling.apply(Double(v)))
                guard x.isFinite else {
                    throw .invalidRun(path: path, reason: "series scaling \(scaling) maps the value \(v) to \(x)")
                }
                out.append(x)
            }
            return Tensor(shape: t.shape, scalars: out)
        }
        return RegressionDataset(features: try map(windows.dataset.features), targets: try map(windows.dataset.targets))
    }

    /// Throws unless the state can drive a run: a dataset name; either a valid tabular state, or a
    /// series scaling with finite shift and positive finite scale and a window in `1...maxWindow`.
    /// - Throws: `PipelineError.invalidRun` naming `path` and the faulty value.
    public func validate(path: String) throws(PipelineError) {
        func fail(_ reason: String) -> PipelineError { .invalidRun(path: path, reason: "invalid preprocessing state: " + reason) }
        guard !dataset.isEmpty else { throw fail("the dataset name is empty") }
        if let tabular {
            do { try tabular.validate(path: path) } catch { throw fail("\(error)") }
        }
        if let window, !(1...Self.maxWindow).contains(window) {
            throw fail("window \(window) must be in 1...\(Self.maxWindow)")
        }
        if let scaling = seriesScaling {
            // Statistics of Float32 data lie within Float's range.
            let limit = Double(Float.greatestFiniteMagnitude)
            guard scaling.shift.isFinite, scaling.shift.magnitude <= limit else {
                throw fail("series shift \(scaling.shift) is not a finite 32-bit value")
            }
            guard scaling.scale.isFinite, scaling.scale >= Double(Float.leastNormalMagnitude), scaling.scale <= limit else {
                throw fail("series scale \(scaling.scale) must be a finite 32-bit number above 0")
            }
        }
        guard tabular != nil || (seriesScaling != nil && window != nil) else {
            throw fail("holds neither tabular preprocessing nor a series scaling with a window")
        }
    }
}
