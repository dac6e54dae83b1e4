import Foundation

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

    /// Reads a state written by `save(to:)`.
    /// - Throws: `PipelineError.invalidRun` naming the file when it is missing or not such a state.
    public static func load(from url: URL) throws(PipelineError) -> PipelinePreprocessing {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw .invalidRun(path: url.path, reason: "preprocessing file not found (it is written next to the weights by `synapse train`)")
        }
        do { return try JSONDecoder().decode(PipelinePreprocessing.self, from: data) } catch {
            throw .invalidRun(path: url.path, reason: "not a preprocessing state: \(error)")
        }
    }
}
