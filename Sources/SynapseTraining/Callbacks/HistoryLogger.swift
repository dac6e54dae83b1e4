import Foundation
import SynapseCore
import SynapseIO

/// Writes the training history as JSON Lines (one object per epoch) and/or CSV, one epoch at a
/// time. The first epoch a logger sees rewrites each file whole and atomically (so it starts from
/// exactly the history the trainer holds, including epochs restored from a checkpoint, and drops
/// any half-written line a killed run left); every later epoch appends one line. Rewriting the whole
/// history every epoch made epoch N cost O(N): 3000 tabular epochs took a minute more.
///
/// The CSV header is fixed by the first rewrite; an epoch bringing a new column rewrites the CSV
/// whole once more (rare: the logs of an epoch do not change from one epoch to the next).
public final class HistoryLogger: TrainingCallback {
    /// JSONL destination, if any.
    public let jsonLinesURL: URL?
    /// CSV destination, if any.
    public let csvURL: URL?
    private var started = false
    private var csvColumns: [String] = []

    /// Logs to either or both files.
    public init(jsonLines: URL? = nil, csv: URL? = nil) {
        jsonLinesURL = jsonLines
        csvURL = csv
    }

    /// Appends the committed epoch (or, the first time, rewrites the files with the history so far).
    public func epochCommitted(_ context: TrainingContext) throws { try record(context.history) }

    /// Brings the files up to `history`, whose last record is new since the previous call (loops
    /// other than `Trainer` call this directly): the first call rewrites, later calls append.
    public func record(_ history: TrainingHistory) throws {
        guard started, let last = history.records.last else {
            if let jsonLinesURL { try AtomicFile.write(Data(history.jsonLines().utf8), to: jsonLinesURL) }
            try rewriteCSV(history)
            started = true
            return
        }
        var single = TrainingHistory()
        single.append(epoch: last.epoch, values: last.values)
        if let jsonLinesURL { try Self.append(single.jsonLines(), to: jsonLinesURL) }
        guard let csvURL else { return }
        if Set(last.values.keys).isSubset(of: csvColumns) {
            // The last line of the one-record CSV, cells in the header's column order.
            let row = ([String(last.epoch)] + csvColumns.map { last.values[$0].map { TrainingHistory.number($0, null: "") } ?? "" })
            try Self.append(row.joined(separator: ",") + "\n", to: csvURL)
        } else {
            try rewriteCSV(history)
        }
    }

    private func rewriteCSV(_ history: TrainingHistory) throws {
        guard let csvURL else { return }
        csvColumns = history.names
        try AtomicFile.write(Data(history.csv().utf8), to: csvURL)
    }

    /// Appends `text` at the end of the file at `url` (which the first epoch created).
    static func append(_ text: String, to url: URL) throws {
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }
}
