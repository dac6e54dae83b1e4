import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseEval

/// Reads our event files with the real TensorBoard (its Python event reader, in a subprocess).
///
/// Needs `python3` with the `tensorboard` package (`scripts/setup.sh` installs it; CI runs it). When
/// either is missing the test fails with a message saying what to install: it never skips, so a
/// broken environment cannot hide a broken writer.
@Suite(.serialized) struct TensorBoardReaderTests {
    /// Loads the run directory with `EventAccumulator` (what `tensorboard --logdir` uses) and prints
    /// what it found as JSON. The raw loader also counts records, so a CRC failure, which the
    /// reader reports by stopping early, shows as missing events.
    static let readerScript = #"""
    import json, sys
    try:
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
        from tensorboard.backend.event_processing import event_file_loader
    except Exception as error:
        print("cannot import tensorboard: %s" % error, file=sys.stderr)
        sys.exit(3)
    run, path = sys.argv[1], sys.argv[2]
    acc = EventAccumulator(run, size_guidance={"scalars": 0, "histograms": 0, "tensors": 0})
    acc.Reload()
    tags = acc.Tags()
    out = {
        "scalars": {t: [[e.step, e.value] for e in acc.Scalars(t)] for t in tags["scalars"]},
        "texts": {t: [[str(e.step), e.tensor_proto.string_val[0].decode("utf-8")] for e in acc.Tensors(t)]
                  for t in tags["tensors"]},
        "histograms": {t: [{"step": e.step, "min": e.histogram_value.min, "max": e.histogram_value.max,
                            "num": e.histogram_value.num, "sum": e.histogram_value.sum,
                            "limits": list(e.histogram_value.bucket_limit),
                            "counts": list(e.histogram_value.bucket)} for e in acc.Histograms(t)]
                       for t in tags["histograms"]},
    }
    # What the TensorBoard server itself loads: plugin data, with scalars and histograms migrated
    # to tensors (data_compat), as its Scalars, Histograms and Text tabs show them.
    from tensorboard.backend.event_processing import plugin_event_accumulator
    from tensorboard.util import tensor_util
    served = plugin_event_accumulator.EventAccumulator(run, size_guidance={"tensors": 0})
    served.Reload()
    out["plugins"] = {p: sorted(served.PluginTagToContent(p).keys()) for p in ("scalars", "histograms", "text")}
    out["served_histogram"] = tensor_util.make_ndarray(served.Tensors("weights")[0].tensor_proto).tolist()
    out["served_scalar"] = float(tensor_util.make_ndarray(served.Tensors("metrics/f1")[0].tensor_proto))
    events = list(event_file_loader.LegacyEventFileLoader(path).Load())
    out["file_version"] = events[0].file_version if events else ""
    out["events"] = len(events)
    print(json.dumps(out))
    """#

    struct Reading: Decodable {
        struct Histogram: Decodable {
            let step: Int
            let min: Double, max: Double, num: Double, sum: Double
            let limits: [Double], counts: [Double]
        }
        let scalars: [String: [[Double]]]
        let texts: [String: [[String]]]
        let histograms: [String: [Histogram]]
        let file_version: String
        let events: Int
        let plugins: [String: [String]]
        let served_histogram: [[Double]]
        let served_scalar: Double
    }

    /// Runs the reader script, or records why it could not and returns nil.
    private func readWithTensorBoard(run: URL, file: URL) throws -> Reading? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.readerScript, run.path, file.path]
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        do {
            try process.run()
        } catch {
            Issue.record("cannot start /usr/bin/env python3 (\(error)): this test needs python3 with tensorboard (pip install tensorboard; scripts/setup.sh installs it)")
            return nil
        }
        // Read both pipes before waiting, so a chatty child cannot block on a full pipe.
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        switch process.terminationStatus {
        case 0:
            return try JSONDecoder().decode(Reading.self, from: out)
        case 127:
            Issue.record("python3 not found on PATH: this test needs python3 with tensorboard (scripts/setup.sh installs both). \(err)")
        case 3:
            Issue.record("python3 cannot import tensorboard: install it with `pip install tensorboard` (scripts/setup.sh does). \(err)")
        default:
            Issue.record("tensorboard's reader failed (exit \(process.terminationStatus)): \(err)")
        }
        return nil
    }

    @Test func tensorboardReadsScalarsTextAndHistograms() throws {
        let run = FileManager.default.temporaryDirectory.appendingPathComponent("synapse-tb-read-\(UUID().uuidString)/run1")
        defer { try? FileManager.default.removeItem(at: run.deletingLastPathComponent()) }
        let writer = try TensorBoardWriter(logDirectory: run)
        let losses: [Float] = [2.5, 1.25, 0.625, -0.1, 1e-7]
        for (step, loss) in losses.enumerated() { try writer.addScalar("loss/train", loss, step: step * 100) }
        try writer.addScalars([("metrics/accuracy", 0.5), ("metrics/f1", 0.25)], step: 7)
        try writer.addScalar("big-step", 3, step: 5_000_000_000)
        try writer.addText("notes", "**hello** — ünïcode", step: 2)
        try writer.addHistogram("weights", values: [0, 1, 2, 3, 4, 4], step: 9, bins: 4)
        try writer.close()

        guard let r = try readWithTensorBoard(run: run, file: writer.fileURL) else { return }
        #expect(r.file_version == "brain.Event:2")
        #expect(r.events == 1 + losses.count + 4)
        #expect(Set(r.scalars.keys) == ["loss/train", "metrics/accuracy", "metrics/f1", "big-step"])
        let curve = try #require(r.scalars["loss/train"])
        #expect(curve.map { Int($0[0]) } == [0, 100, 200, 300, 400])
        #expect(curve.map { Float($0[1]) } == losses)           // float32 round trip, exact
        #expect(r.scalars["metrics/accuracy"]?.first == [7, 0.5])
        #expect(r.scalars["metrics/f1"]?.first == [7, 0.25])
        #expect(r.scalars["big-step"]?.first == [5_000_000_000, 3])
        #expect(r.texts["notes"]?.first == ["2", "**hello** — ünïcode"])
        let h = try #require(r.histograms["weights"]?.first)
        #expect(h.step == 9 && h.min == 0 && h.max == 4 && h.num == 6 && h.sum == 14)
        #expect(h.limits == [1, 2, 3, 4] && h.counts == [1, 1, 1, 3])
        // The server's view: each plugin finds its tags; histogram buckets as [left, right, count].
        #expect(r.plugins["scalars"] == ["big-step", "loss/train", "metrics/accuracy", "metrics/f1"])
        #expect(r.plugins["histograms"] == ["weights"])
        #expect(r.plugins["text"] == ["notes"])
        #expect(r.served_histogram == [[0, 1, 1], [1, 2, 1], [2, 3, 1], [3, 4, 3]])
        #expect(r.served_scalar == 0.25)
    }
}
