import Foundation
import SynapseCore

/// The verified container of a training checkpoint: a safetensors file whose metadata holds the
/// checkpoint's JSON header (`synapse.checkpoint`) and a checksum over that JSON and every tensor
/// (`synapse.checksum`).
///
/// It lives below the layers that read it: `Checkpoint` (training) decodes the JSON, while
/// `Module.load(from:)` only needs the verified `model.` tensors, so weights can be loaded from a
/// checkpoint without the training layer.
package enum CheckpointContainer {
    /// The metadata key whose presence marks a safetensors file as a training checkpoint.
    package static let metadataKey = "synapse.checkpoint"
    /// The metadata key of the checksum.
    package static let checksumKey = "synapse.checksum"
    /// The `format` field of the header JSON.
    package static let formatName = "synapse-training-checkpoint"
    /// The format version written and read by this code (2: the checksum covers the JSON header too).
    package static let formatVersion = 2

    /// The two header fields checked before anything else, so that a file of another format or
    /// version says so instead of failing its checksum.
    private struct FormatProbe: Decodable {
        var format: String
        var version: Int
    }

    /// FNV-1a (64-bit) over the header JSON text, then every tensor's name, shape and value bits in
    /// name order. Each step `h = (h ^ x) · prime` is a bijection of `h`, so changing any single byte
    /// of the JSON or any single value always changes the result. It detects damage, not tampering.
    package static func checksum(json: String, tensors: [String: Tensor]) -> String {
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

    /// The safetensors bytes of a checkpoint with header `json` and `tensors`, checksum included.
    package static func encode(json: String, tensors: [String: Tensor]) -> Data {
        SafeTensors.encode(tensors, metadata: [metadataKey: json, checksumKey: checksum(json: json, tensors: tensors)])
    }

    /// Whether `archive` is a training checkpoint (rather than a plain weights file).
    package static func isCheckpoint(_ archive: SafeTensorsArchive) -> Bool {
        archive.metadata[metadataKey] != nil
    }

    /// The header JSON and all tensors of `archive`, after checking the format name and version,
    /// that every tensor is F32 and that the recorded checksum matches; `path` names the file in errors.
    package static func open(_ archive: SafeTensorsArchive, path: String) throws(CheckpointError)
        -> (json: String, tensors: [String: Tensor]) {
        guard let json = archive.metadata[metadataKey] else {
            throw .corrupt(path: path, reason: "no '\(metadataKey)' metadata (not a Synapse training checkpoint)")
        }
        let probe: FormatProbe
        do { probe = try JSONDecoder().decode(FormatProbe.self, from: Data(json.utf8)) } catch {
            throw .corrupt(path: path, reason: "metadata is not valid checkpoint JSON (\(error))")
        }
        guard probe.format == formatName else { throw .corrupt(path: path, reason: "format '\(probe.format)' is not \(formatName)") }
        guard probe.version == formatVersion else {
            throw .mismatch(path: path, reason: "format version \(probe.version), this build reads version \(formatVersion)")
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
        return (json, tensors)
    }
}
