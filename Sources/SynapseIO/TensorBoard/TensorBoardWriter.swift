import Foundation
import Synchronization
import SynapseCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes TensorBoard event files that `tensorboard --logdir DIR` reads: scalars, text and
/// histograms, with no TensorFlow or protobuf dependency (PyTorch's `SummaryWriter`).
///
/// ```swift
/// let log = try TensorBoardWriter(logDirectory: URL(fileURLWithPath: "runs/mlp"))
/// try log.addScalar("loss/train", loss, step: step)
/// try log.close()
/// ```
///
/// Each writer creates one file, `events.out.tfevents.<unix seconds>.<hostname>` (with `.1`, `.2`, …
/// appended if that name is taken), opened by a `file_version` record. Events are buffered in memory
/// and handed to the operating system when `flush()` is called, when `flushThreshold` bytes are
/// pending, when an event arrives `flushInterval` seconds or more after the last write (so a live
/// `tensorboard` keeps up with a slow run), or on `close()`. A writer may be shared between threads:
/// each call holds a lock.
public final class TensorBoardWriter: Sendable {
    /// The directory the event file lives in (created if missing).
    public let logDirectory: URL
    /// The event file written.
    public let fileURL: URL
    /// Buffered bytes beyond which events are written out without waiting for `flush()`.
    public let flushThreshold: Int
    /// Seconds after the last write beyond which a new event is written out at once.
    public let flushInterval: Double

    private struct State {
        var descriptor: Int32
        var pending: [UInt8] = []
        var isClosed = false
        var lastWrite = Date().timeIntervalSince1970
    }
    private let state: Mutex<State>

    /// Creates the log directory if needed and a new event file in it.
    /// - Parameters:
    ///   - filenameSuffix: appended to the file name (e.g. to tell runs sharing a directory apart).
    ///   - flushThreshold: pending bytes that trigger a write without an explicit `flush()`.
    ///   - flushInterval: seconds since the last write after which the next event is written at once
    ///     (`.infinity`: only by size, `flush()` and `close()`).
    /// - Throws: `TensorBoardError.cannotCreateDirectory` or `.cannotOpen`, naming the path.
    public init(logDirectory: URL, filenameSuffix: String = "", flushThreshold: Int = 1 << 16,
                flushInterval: Double = 10) throws(TensorBoardError) {
        self.logDirectory = logDirectory
        self.flushThreshold = Swift.max(flushThreshold, 0)
        self.flushInterval = flushInterval
        try Self.createDirectory(logDirectory)
        let now = Date().timeIntervalSince1970
        let base = "events.out.tfevents.\(String(format: "%010ld", Int(now))).\(Self.hostname())\(filenameSuffix)"
        var (url, fd) = Self.openExclusive(logDirectory.appendingPathComponent(base))
        // Two writers started in the same second in one directory: add a counter, never overwrite.
        var attempt = 1
        while fd < 0 && errno == EEXIST && attempt < 1000 {
            (url, fd) = Self.openExclusive(logDirectory.appendingPathComponent("\(base).\(attempt)"))
            attempt += 1
        }
        guard fd >= 0 else { throw .cannotOpen(path: url.path, reason: String(cString: strerror(errno))) }
        fileURL = url
        state = Mutex(State(descriptor: fd))
        try append(TensorBoardEvent.fileVersion(wallTime: now))
        try flush()
    }

    deinit {
        // Best effort: a writer dropped without close() still leaves its events on disk.
        try? close()
    }

    /// Logs one point of the scalar curve `tag` (e.g. `"loss/train"`).
    /// - Parameter wallTime: seconds since 1970; now when nil.
    public func addScalar(_ tag: String, _ value: Float, step: Int, wallTime: Double? = nil) throws(TensorBoardError) {
        try add([.scalar(tag: tag, value: value)], step: step, wallTime: wallTime)
    }

    /// Logs several scalars at the same step in one event (e.g. every metric of an epoch).
    public func addScalars(_ values: [(tag: String, value: Float)], step: Int, wallTime: Double? = nil) throws(TensorBoardError) {
        try add(values.map { .scalar(tag: $0.tag, value: $0.value) }, step: step, wallTime: wallTime)
    }

    /// Logs a text entry, shown (as Markdown) in TensorBoard's Text tab.
    public func addText(_ tag: String, _ text: String, step: Int, wallTime: Double? = nil) throws(TensorBoardError) {
        try add([.text(tag: tag, text: text)], step: step, wallTime: wallTime)
    }

    /// Logs a histogram of `values` in `bins` equal-width buckets (NaN and infinities left out).
    public func addHistogram(_ tag: String, values: [Float], step: Int, bins: Int = 30, wallTime: Double? = nil) throws(TensorBoardError) {
        try add([.histogram(tag: tag, TensorBoardHistogram(values, bins: bins))], step: step, wallTime: wallTime)
    }

    /// Logs a histogram of a tensor's elements (weights, gradients, activations).
    public func addHistogram(_ tag: String, _ tensor: Tensor, step: Int, bins: Int = 30, wallTime: Double? = nil) throws(TensorBoardError) {
        try addHistogram(tag, values: tensor.scalars, step: step, bins: bins, wallTime: wallTime)
    }

    private func add(_ values: [TensorBoardEvent.Value], step: Int, wallTime: Double?) throws(TensorBoardError) {
        for value in values { require(!value.tag.isEmpty, "TensorBoardWriter: empty tag (every summary value needs a name)") }
        let event = TensorBoardEvent.summary(values, step: step, wallTime: wallTime ?? Date().timeIntervalSince1970)
        try append(event)
    }

    private func append(_ event: [UInt8]) throws(TensorBoardError) {
        let path = fileURL.path, threshold = flushThreshold, interval = flushInterval
        try state.withLock { s throws(TensorBoardError) in
            guard !s.isClosed else { throw .closed(path: path) }
            s.pending += TFRecord.frame(event)
            if s.pending.count >= threshold || Date().timeIntervalSince1970 - s.lastWrite >= interval {
                try Self.writePending(&s, path: path)
            }
        }
    }

    /// Hands every buffered event to the operating system, so `tensorboard` sees it.
    /// - Throws: `TensorBoardError.writeFailed` (disk full, I/O error) or `.closed`.
    public func flush() throws(TensorBoardError) {
        let path = fileURL.path
        try state.withLock { s throws(TensorBoardError) in
            guard !s.isClosed else { throw .closed(path: path) }
            try Self.writePending(&s, path: path)
        }
    }

    /// Flushes, syncs the file to disk and closes it. Calling it again does nothing.
    /// - Throws: `TensorBoardError.writeFailed` when the last events could not be written; the file
    ///   is closed either way.
    public func close() throws(TensorBoardError) {
        let path = fileURL.path
        try state.withLock { s throws(TensorBoardError) in
            guard !s.isClosed else { return }
            s.isClosed = true
            defer { closeDescriptor(s.descriptor) }
            try Self.writePending(&s, path: path)
            guard fsync(s.descriptor) == 0 else {
                throw .writeFailed(path: path, reason: String(cString: strerror(errno)))
            }
        }
    }

    private static func writePending(_ s: inout State, path: String) throws(TensorBoardError) {
        var written = 0
        let total = s.pending.count
        let fd = s.descriptor
        let failure: Int32? = s.pending.withUnsafeBytes { buffer -> Int32? in
            while written < total {
                let n = write(fd, buffer.baseAddress! + written, total - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += n
            }
            return nil
        }
        // Keep what was not written, so a retried flush writes whole records.
        s.pending.removeFirst(written)
        s.lastWrite = Date().timeIntervalSince1970
        if let code = failure { throw .writeFailed(path: path, reason: String(cString: strerror(code))) }
    }

    private static func createDirectory(_ url: URL) throws(TensorBoardError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw .cannotCreateDirectory(path: url.path, reason: "a file that is not a directory is in the way")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw .cannotCreateDirectory(path: url.path, reason: "\(error.localizedDescription)")
        }
    }

    private static func openExclusive(_ url: URL) -> (URL, Int32) {
        (url, open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644))
    }

    /// The host name, with characters that cannot appear in a file name replaced.
    private static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let size = buffer.count - 1
        guard gethostname(&buffer, size) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name.replacingOccurrences(of: "/", with: "_")
    }
}

/// Closes a file descriptor (a free function: inside the writer, `close` names its own method).
private func closeDescriptor(_ fd: Int32) { _ = close(fd) }
