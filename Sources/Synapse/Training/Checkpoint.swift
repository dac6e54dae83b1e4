import Foundation

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
    public static let formatVersion = 2
    /// Last completed epoch.
    public var epoch = 0
    /// Optimizer steps taken.
    public var globalStep = 0
    /// Model parameters and buffers (`Module.stateDict()`).
    public var model: [String: Tensor] = [:]
    /// Optimizer state (`Optimizer.stateDict()`).
    public var optimizer: [String: Tensor] = [:]
    /// The optimizer's learning rate.
    public var learningRate: Float = 0
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
        var learningRate: Float
        var optimizerType: String
        var generators: [String: [String]]
        var callbacks: [String: [String: Double]]
        var callbackTensors: [String: [String]]
        var history: TrainingHistory
    }

    /// The metadata key whose presence marks a safetensors file as a training checkpoint.
    static let metadataKey = "synapse.checkpoint"
    static let checksumKey = "synapse.checksum"
    static let formatName = "synapse-training-checkpoint"

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

    /// FNV-1a (64-bit) over the header JSON text, then every tensor's name, shape and value bits in
    /// name order. Each step `h = (h ^ x) · prime` is a bijection of `h`, so changing any single byte
    /// of the JSON or any single value always changes the result. It detects damage, not tampering.
    static func checksum(json: String, tensors: [String: Tensor]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        let prime: UInt64 = 0x0000_0100_0000_01b3
        func mix(_ x: UInt64) { h = (h ^ x) &* prime }
        for b in json.utf8 { mix(UInt64(b)) }
        mix(UInt64(json.utf8.count))
        for name in tensors.keys.sorted() {
            for b in name.utf8 { mix(UInt64(b)) }
            let t = tensors[name]!
            mix(UInt64(t.shape.count) | 0xFF00)   // separates the name from the shape
            for d in t.shape { mix(UInt64(truncatingIfNeeded: d)) }
            t.contiguous().withUnsafeBufferPointer { buf in
                for v in buf { h = (h ^ UInt64(v.bitPattern)) &* prime }
            }
        }
        return String(h, radix: 16)
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
        return SafeTensors.encode(tensors, metadata: [Self.metadataKey: json, Self.checksumKey: Self.checksum(json: json, tensors: tensors)])
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
        guard let json = archive.metadata[metadataKey] else {
            throw .corrupt(path: path, reason: "no '\(metadataKey)' metadata (not a Synapse training checkpoint)")
        }
        let header: Header
        do { header = try decoder().decode(Header.self, from: Data(json.utf8)) } catch {
            throw .corrupt(path: path, reason: "metadata is not valid checkpoint JSON (\(error))")
        }
        guard header.format == formatName else { throw .corrupt(path: path, reason: "format '\(header.format)' is not \(formatName)") }
        guard header.version == formatVersion else {
            throw .mismatch(path: path, reason: "format version \(header.version), this build reads version \(formatVersion)")
        }
        guard let recorded = archive.metadata[checksumKey] else { throw .corrupt(path: path, reason: "no '\(checksumKey)' metadata") }
        var tensors: [String: Tensor] = [:]
        for name in archive.names {
            guard archive.entries[name]?.dtype == .f32 else {
                throw .corrupt(path: path, reason: "tensor '\(name)' is not F32 (checkpoints store only F32)")
            }
            do { tensors[name] = try archive.tensor(name) } catch { throw .corrupt(path: path, reason: error.description) }
        }
        let actual = checksum(json: json, tensors: tensors)
        guard actual == recorded else {
            throw .corrupt(path: path, reason: "checksum \(actual) of the header and tensors differs from the recorded \(recorded)")
        }
        return try CheckpointValidation.checkpoint(from: header, tensors: tensors, path: path)
    }
}
