import Foundation
import SynapseIO

/// A fitted calibration stored beside the weights it belongs to, as `<weights-stem>.calibration.json`
/// (`model.safetensors` → `model.calibration.json`), where `synapse predict` and `synapse serve` find
/// and apply it. It records the CRC-32C and size of the weights file it was fitted for: weights
/// replaced since (retrained, or another file copied over) make the calibration a typed error
/// instead of silently rescaling another model's logits.
///
/// JSON, snake_case keys: `format` ("synapse.calibration"), `format_version` (1), `method`,
/// `classes`, `temperature`, `weights`, `biases`, `weights_crc32c`, `weights_bytes`, `fitted_on`
/// (words), and `figures` (name → number: the validation NLL and ECE before and after).
public struct CalibrationFile: Sendable, Equatable {
    /// The format name written in every file.
    public static let formatName = "synapse.calibration"
    /// The version written by this code.
    public static let formatVersion = 1
    /// The largest file read (a 1,000-class matrix scaling is ~20 MB of JSON text).
    public static let maxFileBytes = 64 << 20

    /// The calibration.
    public var calibration: LogitCalibration
    /// CRC-32C of the weights file it was fitted for.
    public var weightsChecksum: UInt32
    /// Size in bytes of that weights file.
    public var weightsBytes: Int
    /// What it was fitted on, in words.
    public var fittedOn: String
    /// Figures of the fit (finite numbers).
    public var figures: [String: Double]

    /// A calibration for the weights file at `weights` (its checksum is read now).
    public init(calibration: LogitCalibration, weights: URL, fittedOn: String, figures: [String: Double] = [:]) throws(CalibrationError) {
        let (checksum, bytes) = try Self.fingerprint(of: weights)
        self.init(calibration: calibration, weightsChecksum: checksum, weightsBytes: bytes, fittedOn: fittedOn, figures: figures)
    }

    /// A calibration with a given fingerprint.
    public init(calibration: LogitCalibration, weightsChecksum: UInt32, weightsBytes: Int, fittedOn: String, figures: [String: Double]) {
        self.calibration = calibration
        self.weightsChecksum = weightsChecksum
        self.weightsBytes = weightsBytes
        self.fittedOn = fittedOn
        self.figures = figures
    }

    /// Where the calibration of the weights at `weights` lives.
    public static func url(forWeights weights: URL) -> URL {
        weights.deletingPathExtension().appendingPathExtension("calibration.json")
    }

    /// CRC-32C and size of a file.
    public static func fingerprint(of url: URL) throws(CalibrationError) -> (checksum: UInt32, bytes: Int) {
        do {
            let data = try Data(contentsOf: url, options: .mappedIfSafe)
            return (CRC32C.checksum(data), data.count)
        } catch {
            throw .invalidFile(path: url.path, reason: "cannot read the weights to fingerprint them: \(error.localizedDescription)")
        }
    }

    /// The file as stored (snake_case keys).
    private struct Stored: Codable {
        var format: String
        var formatVersion: Int
        var method: String
        var classes: Int
        var temperature: Double
        var weights: [Double]
        var biases: [Double]
        var weightsCrc32c: Int
        var weightsBytes: Int
        var fittedOn: String
        var figures: [String: Double]?

        enum CodingKeys: String, CodingKey {
            case format, method, classes, temperature, weights, biases, figures
            case formatVersion = "format_version", weightsCrc32c = "weights_crc32c", weightsBytes = "weights_bytes"
            case fittedOn = "fitted_on"
        }
    }

    /// The file's JSON text (numbers in their shortest exact form, so a round trip is exact).
    public var json: Data {
        let c = calibration
        let stored = Stored(format: Self.formatName, formatVersion: Self.formatVersion, method: c.method.rawValue, classes: c.classCount,
                            temperature: c.temperature, weights: c.weights, biases: c.biases, weightsCrc32c: Int(weightsChecksum),
                            weightsBytes: weightsBytes, fittedOn: fittedOn, figures: figures.filter { $0.value.isFinite })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return (try? encoder.encode(stored)) ?? Data()
    }

    /// Writes the file atomically.
    public func write(to url: URL) throws(CalibrationError) {
        do { try AtomicFile.write(json, to: url) } catch { throw .invalidFile(path: url.path, reason: "cannot write: \(error)") }
    }

    /// Reads and checks a calibration file: format and version, a known method, parameters that make
    /// a calibration (`LogitCalibration`'s checks), a fingerprint, finite figures. JSON types are
    /// strict: a boolean or a string where a number belongs is refused.
    /// - Throws: `CalibrationError.invalidFile` naming the file and what is wrong.
    public static func load(from url: URL) throws(CalibrationError) -> CalibrationFile {
        func bad(_ reason: String) -> CalibrationError { .invalidFile(path: url.path, reason: reason) }
        let size: Int
        do { size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0 } catch {
            throw bad(FileManager.default.fileExists(atPath: url.path) ? error.localizedDescription : "no such file")
        }
        guard size <= maxFileBytes else { throw bad("\(size) bytes is more than the \(maxFileBytes)-byte limit") }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw bad(error.localizedDescription) }
        let decoder = JSONDecoder()
        // The format and version alone first, so a file of another kind or version says so.
        struct Header: Decodable {
            var format: String?
            var formatVersion: Int?
            enum CodingKeys: String, CodingKey { case format, formatVersion = "format_version" }
        }
        guard let header = try? decoder.decode(Header.self, from: data) else { throw bad("not a JSON object") }
        guard header.format == formatName else { throw bad("'format' is not \"\(formatName)\"") }
        guard header.formatVersion == formatVersion else {
            throw bad("format version \(header.formatVersion.map(String.init) ?? "missing") is not the supported \(formatVersion)")
        }
        let stored: Stored
        do { stored = try decoder.decode(Stored.self, from: data) } catch { throw bad(describe(error)) }
        guard let method = LogitCalibrationMethod(rawValue: stored.method) else {
            throw bad("'method' must be one of \(LogitCalibrationMethod.allCases.map(\.rawValue))")
        }
        guard (2...100_000).contains(stored.classes) else { throw bad("'classes' must be from 2 to 100000, got \(stored.classes)") }
        let calibration: LogitCalibration
        do {
            calibration = try LogitCalibration(method: method, classCount: stored.classes, temperature: stored.temperature,
                                               weights: stored.weights, biases: stored.biases)
        } catch { throw bad(error.description) }
        guard (0...Int(UInt32.max)).contains(stored.weightsCrc32c), stored.weightsBytes >= 0 else {
            throw bad("'weights_crc32c' and 'weights_bytes' must be non-negative (the weights' fingerprint)")
        }
        if let key = stored.figures?.first(where: { !$0.value.isFinite })?.key { throw bad("figure '\(key)' is not finite") }
        return CalibrationFile(calibration: calibration, weightsChecksum: UInt32(stored.weightsCrc32c), weightsBytes: stored.weightsBytes,
                               fittedOn: stored.fittedOn, figures: stored.figures ?? [:])
    }

    /// A decoding error in plain words: what is wrong and at which key.
    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ keys: [any CodingKey]) -> String {
            keys.isEmpty ? "the top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            // (CodingKeys spell the file's snake_case names.)
        }
        switch error {
        case .keyNotFound(let key, let context): return "'\(path(context.codingPath + [key]))' is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "'\(path(context.codingPath))' has the wrong type"
        case .dataCorrupted(let context): return "not valid JSON at \(path(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    /// The calibration beside `weights`, if there is one, after checking that it was fitted for
    /// exactly these weights and `classCount` classes.
    /// - Throws: `CalibrationError.invalidFile` for an unreadable file, other weights or another
    ///   class count.
    public static func calibration(forWeights weights: URL, classCount: Int) throws(CalibrationError) -> CalibrationFile? {
        let url = url(forWeights: weights)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let file = try load(from: url)
        let (checksum, bytes) = try fingerprint(of: weights)
        guard checksum == file.weightsChecksum && bytes == file.weightsBytes else {
            throw .invalidFile(path: url.path, reason: "it was fitted for other weights than \(weights.lastPathComponent) (the weights "
                               + "changed since): run `synapse calibrate` again, or delete it")
        }
        guard file.calibration.classCount == classCount else {
            throw .invalidFile(path: url.path, reason: "it calibrates \(file.calibration.classCount) classes; the model has \(classCount)")
        }
        return file
    }
}
