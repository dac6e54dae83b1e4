import Foundation
import SynapseCore
import SynapseIO

/// The complete state of a training run at an epoch boundary: weights, optimizer state, callback
/// state (LR schedulers, early stopping with its best weights), epoch and step counters, random
/// generator states and the history. Resuming from it continues bit-identically.
///
/// On disk it is one safetensors file, written atomically: tensors are named `model.<name>`,
/// `optimizer.<key>` and `callback.<key>.<name>`; everything else is JSON in the metadata entry
/// `synapse.checkpoint`. The metadata entry `synapse.checksum` is a checksum of that JSON text and
/// of every tensor's name, shape and bits, so a flipped bit anywhere that matters — a learning rate,
/// an epoch counter, a weight — is reported as corrupt instead of silently resuming from wrong
/// numbers. Every field is also range-checked on reading (`CheckpointValidation`). Nothing in it
/// refers to a path, so a checkpoint can be moved and resumed anywhere, and `Module.load(from:)`
/// reads its `model.` part as plain weights.
public struct Checkpoint: Sendable {
    /// Format version written by this code (2: the checksum covers the JSON header too).
    public static let formatVersion = CheckpointContainer.formatVersion
    /// Last completed epoch.
    public var epoch = 0
    /// Optimizer steps taken.
    public var globalStep = 0
    /// Model parameters and buffers (`Module.stateDict()`).
    public var model: [String: Tensor] = [:]
    /// Optimizer state (`Optimizer.stateDict()`).
    public var optimizer: [String: Tensor] = [:]
    /// The optimizer's learning rate (`Double`, like every training hyperparameter).
    public var learningRate: Double = 0
    /// The optimizer's type name (e.g. `Adam`): state of one optimizer type means nothing to another.
    public var optimizerType = ""
    /// Random generator states by name (the training loader's is `loader.train`).
    public var generators: [String: [UInt64]] = [:]
    /// Callback states by `checkpointKey`.
    public var callbacks: [String: CallbackState] = [:]
    /// Logs of the completed epochs.
    public var history = TrainingHistory()

    /// An empty checkpoint.
    public init() {}

    /// The JSON part, stored in the safetensors metadata.
    struct Header: Codable {
        var format: String
        var version: Int
        var epoch: Int
        var globalStep: Int
        // A JSON number either way: files written when this was a Float (its shortest decimal, `0.001`)
        // read back as that decimal.
        var learningRate: Double
        var optimizerType: String
        var generators: [String: [String]]
        var callbacks: [String: [String: Double]]
        var callbackTensors: [String: [String]]
        var history: TrainingHistory
    }

    /// The metadata key whose presence marks a safetensors file as a training checkpoint.
    package static let metadataKey = CheckpointContainer.metadataKey
    package static let checksumKey = CheckpointContainer.checksumKey
    static let formatName = CheckpointContainer.formatName

    /// All tensors with their file names.
    private var namedTensors: [String: Tensor] {
        var d: [String: Tensor] = [:]
        for (n, t) in model { d["model." + n] = t }
        for (n, t) in optimizer { d["optimizer." + n] = t }
        for (key, s) in callbacks { for (n, t) in s.tensors { d["callback.\(key).\(n)"] = t } }
        return d
    }

    private static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    private static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }

    /// The checksum stored with a checkpoint (see `CheckpointContainer.checksum`).
    package static func checksum(json: String, tensors: [String: Tensor]) -> String {
        CheckpointContainer.checksum(json: json, tensors: tensors)
    }

    /// The checkpoint as safetensors bytes, exactly as `write(to:)` stores them.
    public func encoded() throws(CheckpointError) -> Data {
        let tensors = namedTensors
        let header = Header(format: Self.formatName, version: Self.formatVersion, epoch: epoch, globalStep: globalStep,
                            learningRate: learningRate, optimizerType: optimizerType,
                            generators: generators.mapValues { $0.map { String($0, radix: 16) } },
                            callbacks: callbacks.mapValues(\.values),
                            callbackTensors: callbacks.mapValues { $0.tensors.keys.sorted() },
                            history: history)
        let json: String
        do { json = String(decoding: try Self.encoder().encode(header), as: UTF8.self) } catch {
            throw .writeFailed(path: "<memory>", reason: "cannot encode the checkpoint header: \(error)")
        }
        return CheckpointContainer.encode(json: json, tensors: tensors)
    }

    /// Writes the checkpoint atomically (temporary file, flush, rename) to `url`.
    public func write(to url: URL) throws(CheckpointError) {
        let data: Data
        do { data = try encoded() } catch { throw .writeFailed(path: url.path, reason: error.reason) }
        do { try AtomicFile.write(data, to: url) } catch {
            throw .writeFailed(path: url.path, reason: error.description)
        }
    }

    /// Reads and verifies a checkpoint written by `write(to:)`.
    public static func read(from url: URL) throws(CheckpointError) -> Checkpoint {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw .missing(path: path) }
        let archive: SafeTensorsArchive
        do { archive = try SafeTensorsArchive(contentsOf: url) } catch { throw .corrupt(path: path, reason: error.description) }
        return try decode(archive, path: path)
    }

    /// Decodes and verifies checkpoint bytes (as `encoded()` returns them); `path` names them in errors.
    public static func decode(_ data: Data, path: String = "<memory>") throws(CheckpointError) -> Checkpoint {
        let archive: SafeTensorsArchive
        do { archive = try SafeTensorsArchive(data: data) } catch { throw .corrupt(path: path, reason: error.description) }
        return try decode(archive, path: path)
    }

    private static func decode(_ archive: SafeTensorsArchive, path: String) throws(CheckpointError) -> Checkpoint {
        let (json, tensors) = try CheckpointContainer.open(archive, path: path)
        let header: Header
        do { header = try decoder().decode(Header.self, from: Data(json.utf8)) } catch {
            throw .corrupt(path: path, reason: "metadata is not valid checkpoint JSON (\(error))")
        }
        return try CheckpointValidation.checkpoint(from: header, tensors: tensors, path: path)
    }
}
