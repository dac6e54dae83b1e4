import Foundation

/// The complete state of a training run at an epoch boundary: weights, optimizer state, callback
/// state (LR schedulers, early stopping with its best weights), epoch and step counters, random
/// generator states and the history. Resuming from it continues bit-identically.
///
/// On disk it is one safetensors file, written atomically: tensors are named `model.<name>`,
/// `optimizer.<key>` and `callback.<key>.<name>`; everything else is JSON in the metadata entry
/// `synapse.checkpoint`, which also holds a checksum of all tensor data so that a damaged file is
/// reported as corrupt instead of silently resuming from wrong numbers.
public struct Checkpoint: Sendable {
    /// Format version written by this code.
    public static let formatVersion = 1
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
    private struct Header: Codable {
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
        var checksum: String
    }

    private static let metadataKey = "synapse.checkpoint"
    private static let formatName = "synapse-training-checkpoint"

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

    /// FNV-1a over tensor names, shapes and value bit patterns, in name order.
    static func checksum(_ tensors: [String: Tensor]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        let prime: UInt64 = 0x0000_0100_0000_01b3
        for name in tensors.keys.sorted() {
            for b in name.utf8 { h = (h ^ UInt64(b)) &* prime }
            let t = tensors[name]!
            for d in t.shape { h = (h ^ UInt64(truncatingIfNeeded: d)) &* prime }
            t.contiguous().withUnsafeBufferPointer { buf in
                for v in buf { h = (h ^ UInt64(v.bitPattern)) &* prime }
            }
        }
        return String(h, radix: 16)
    }

    /// Writes the checkpoint atomically (temporary file, flush, rename) to `url`.
    public func write(to url: URL) throws(CheckpointError) {
        let tensors = namedTensors
        let header = Header(format: Self.formatName, version: Self.formatVersion, epoch: epoch, globalStep: globalStep,
                            learningRate: learningRate, optimizerType: optimizerType,
                            generators: generators.mapValues { $0.map { String($0, radix: 16) } },
                            callbacks: callbacks.mapValues(\.values),
                            callbackTensors: callbacks.mapValues { $0.tensors.keys.sorted() },
                            history: history, checksum: Self.checksum(tensors))
        do {
            let json = String(decoding: try Self.encoder().encode(header), as: UTF8.self)
            try SafeTensors.save(tensors, metadata: [Self.metadataKey: json], to: url)
        } catch {
            throw .writeFailed(path: url.path, reason: "\(error)")
        }
    }

    /// Reads and verifies a checkpoint written by `write(to:)`.
    public static func read(from url: URL) throws(CheckpointError) -> Checkpoint {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw .missing(path: path) }
        let archive: SafeTensorsArchive
        do { archive = try SafeTensorsArchive(contentsOf: url) } catch { throw .corrupt(path: path, reason: error.description) }
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
        var tensors: [String: Tensor] = [:]
        for name in archive.names {
            do { tensors[name] = try archive.tensor(name) } catch { throw .corrupt(path: path, reason: error.description) }
        }
        guard checksum(tensors) == header.checksum else {
            throw .corrupt(path: path, reason: "tensor data checksum \(checksum(tensors)) differs from the recorded \(header.checksum)")
        }
        var c = Checkpoint()
        c.epoch = header.epoch
        c.globalStep = header.globalStep
        c.learningRate = header.learningRate
        c.optimizerType = header.optimizerType
        c.history = header.history
        for (name, words) in header.generators {
            let values = words.compactMap { UInt64($0, radix: 16) }
            guard values.count == 4, words.count == 4 else {
                throw .corrupt(path: path, reason: "random generator '\(name)' state must be 4 hexadecimal words")
            }
            c.generators[name] = values
        }
        for (name, t) in tensors {
            if name.hasPrefix("model.") { c.model[String(name.dropFirst(6))] = t }
            else if name.hasPrefix("optimizer.") { c.optimizer[String(name.dropFirst(10))] = t }
        }
        for (key, values) in header.callbacks {
            var state = CallbackState(values: values)
            for n in header.callbackTensors[key] ?? [] {
                guard let t = tensors["callback.\(key).\(n)"] else {
                    throw .corrupt(path: path, reason: "callback '\(key)' tensor '\(n)' is missing")
                }
                state.tensors[n] = t
            }
            c.callbacks[key] = state
        }
        return c
    }
}
