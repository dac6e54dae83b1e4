import Foundation
import Synapse

/// Mutants of safetensors weight files saved by Synapse, read as `evaluate`, `generate` and
/// `Module.load` read them.
///
/// An accepted mutant is fine only if it is a valid file by the format's rules, checked here
/// independently of the reader (JSON object header, consistent shapes and offsets, tensors covering
/// the data section exactly), and if what the reader returned is what the file holds: every tensor
/// equals its bytes in the file, and re-encoding the archive and reading it again gives the same
/// tensors. A mutation that only changes tensor bytes is legitimately undetectable.
struct SafeTensorsTarget: FuzzTarget {
    let name = "safetensors"

    func seeds() throws -> [[UInt8]] {
        let (model, _) = FuzzSeedModels.trainedClassifier()
        let weights = SafeTensors.encode(model.stateDict(), metadata: ["format": "pt", "model": "mlp"])
        // A second file with integer tensors (I64), a scalar and an empty tensor.
        var mixed = model.stateDict().filter { $0.key.hasSuffix("bias") }
        mixed["scalar"] = Tensor(3.5)
        mixed["empty"] = Tensor(shape: [0, 4], scalars: [])
        let ints = ["labels": IntTensor([2, 0, 1, -5, 1 << 40]), "num_batches_tracked": IntTensor(shape: [], scalars: [12])]
        let withInts = SafeTensors.encode(mixed, ints: ints)
        return [[UInt8](weights), [UInt8](withInts)]
    }

    func check(_ mutant: [UInt8], original: [UInt8]) -> FuzzVerdict {
        let archive: SafeTensorsArchive
        do { archive = try SafeTensorsArchive(data: Data(mutant)) } catch { return .rejected }
        if let problem = Self.ruleViolation(mutant) { return .corruptionAccepted("accepted a file that breaks the rules: \(problem)") }
        if let problem = Self.readInconsistency(archive, mutant) { return .corruptionAccepted(problem) }
        return .accepted
    }

    /// Why `bytes` is not a valid safetensors file, checked with `JSONSerialization` and plain loops.
    static func ruleViolation(_ bytes: [UInt8]) -> String? {
        guard bytes.count >= 8 else { return "shorter than 8 bytes" }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard n <= UInt64(bytes.count - 8) else { return "header length \(n) beyond the file" }
        let headerEnd = 8 + Int(n)
        guard let root = try? JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd])) as? [String: Any] else {
            return "header is not a JSON object"
        }
        var ranges: [(Int, Int)] = []
        for (key, value) in root {
            if key == "__metadata__" {
                guard let m = value as? [String: Any], m.values.allSatisfy({ $0 is String }) else { return "bad __metadata__" }
                continue
            }
            guard let e = value as? [String: Any], let dtype = e["dtype"] as? String,
                  let shape = e["shape"] as? [NSNumber], let offsets = e["data_offsets"] as? [NSNumber], offsets.count == 2 else {
                return "entry '\(key)' is malformed"
            }
            let sizes = ["F64": 8, "I64": 8, "F32": 4, "I32": 4, "F16": 2, "BF16": 2, "U8": 1, "I8": 1, "BOOL": 1]
            guard let size = sizes[dtype] else { return "entry '\(key)' has dtype \(dtype)" }
            var count = 1.0
            for d in shape {
                guard d.doubleValue >= 0, d.doubleValue == d.doubleValue.rounded() else { return "entry '\(key)' has shape \(shape)" }
                count *= d.doubleValue
            }
            let begin = offsets[0].doubleValue, end = offsets[1].doubleValue
            guard begin >= 0, end >= begin, end <= Double(bytes.count), count * Double(size) == end - begin else { return "entry '\(key)' size/offsets disagree" }
            ranges.append((Int(begin), Int(end)))
        }
        var covered = 0
        for (begin, end) in ranges.sorted(by: { $0 < $1 }) {
            guard begin == covered else { return "gap or overlap at data byte \(covered)" }
            covered = end
        }
        guard covered == bytes.count - headerEnd else { return "tensors cover \(covered) of \(bytes.count - headerEnd) data bytes" }
        return nil
    }

    /// Whether what the reader returned matches the file's bytes and survives a re-encode.
    static func readInconsistency(_ archive: SafeTensorsArchive, _ bytes: [UInt8]) -> String? {
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        let dataStart = 8 + Int(n)
        var floats: [String: Tensor] = [:]
        var ints: [String: IntTensor] = [:]
        for name in archive.names {
            guard let e = archive.entries[name] else { return "entry '\(name)' listed but missing" }
            if e.dtype == .i64 {
                guard let t = try? archive.intTensor(name) else { return "accepted I64 tensor '\(name)' cannot be read" }
                for (i, v) in t.scalars.enumerated() {
                    var raw: UInt64 = 0
                    for k in 0..<8 { raw |= UInt64(bytes[dataStart + e.range.lowerBound + i * 8 + k]) << (8 * UInt64(k)) }
                    guard Int64(bitPattern: raw) == Int64(v) else { return "I64 tensor '\(name)' element \(i) differs from its bytes" }
                }
                ints[name] = t
            } else {
                guard let t = try? archive.tensor(name) else { return "accepted tensor '\(name)' cannot be read" }
                guard t.shape == e.shape else { return "tensor '\(name)' read with shape \(t.shape), header says \(e.shape)" }
                if e.dtype == .f32 {
                    for (i, v) in t.scalars.enumerated() {
                        var raw: UInt32 = 0
                        for k in 0..<4 { raw |= UInt32(bytes[dataStart + e.range.lowerBound + i * 4 + k]) << (8 * UInt32(k)) }
                        guard raw == v.bitPattern else { return "F32 tensor '\(name)' element \(i) differs from its bytes" }
                    }
                }
                floats[name] = t
            }
        }
        guard let again = try? SafeTensorsArchive(data: SafeTensors.encode(floats, ints: ints, metadata: archive.metadata)) else {
            return "re-encoding the accepted archive gives an unreadable file"
        }
        guard again.names == archive.names, again.metadata == archive.metadata else { return "re-encoded archive has other names or metadata" }
        for (name, t) in floats {
            guard let u = try? again.tensor(name), u.shape == t.shape, u.scalars.map(\.bitPattern) == t.scalars.map(\.bitPattern) else {
                return "tensor '\(name)' changes on re-encoding"
            }
        }
        for (name, t) in ints where (try? again.intTensor(name)) != t { return "integer tensor '\(name)' changes on re-encoding" }
        return nil
    }
}
