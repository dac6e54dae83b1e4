import Foundation

/// Writes the training history after every epoch as JSON Lines (one object per epoch) and/or CSV.
/// Each file is rewritten whole and atomically, so it always holds complete epochs (including
/// those restored from a checkpoint) even if the process dies while writing.
public final class HistoryLogger: TrainingCallback {
    /// JSONL destination, if any.
    public let jsonLinesURL: URL?
    /// CSV destination, if any.
    public let csvURL: URL?

    /// Logs to either or both files.
    public init(jsonLines: URL? = nil, csv: URL? = nil) {
        jsonLinesURL = jsonLines
        csvURL = csv
    }

    /// Rewrites the files with the history so far.
    public func epochCommitted(_ context: TrainingContext) throws {
        if let jsonLinesURL { try AtomicFile.write(Data(context.history.jsonLines().utf8), to: jsonLinesURL) }
        if let csvURL { try AtomicFile.write(Data(context.history.csv().utf8), to: csvURL) }
    }
}
