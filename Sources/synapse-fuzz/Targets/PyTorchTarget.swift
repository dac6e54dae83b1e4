import Foundation
import Synapse

/// Mutants of real `torch.save` files (the committed fixtures, written by PyTorch), read as
/// `Module.load(from:)` and `PyTorchFile` read them.
///
/// In the zip format every entry carries a CRC-32 that the reader checks, so an accepted mutant must
/// read to exactly the original values; anything else is a silently accepted corruption. The legacy
/// format has no checksum at all: a changed byte in a storage or in a number of the pickle is
/// undetectable by any reader, so for it the goal is no crash and no hang.
struct PyTorchTarget: FuzzTarget {
    let name = "pytorch"

    /// The fixture directory, found from this source file (the fuzzer runs from a checkout).
    private static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/SynapseTests/Fixtures/pytorch")

    func seeds() throws -> [[UInt8]] {
        try ["state_dict.pt", "checkpoint_nested.pt", "dtypes.pt", "state_dict_legacy.pt"].map {
            [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent($0)))
        }
    }

    func check(_ mutant: [UInt8], original: [UInt8]) -> FuzzVerdict {
        let file: PyTorchFile
        do { file = try PyTorchFile(bytes: mutant) } catch { return .rejected }
        guard original.starts(with: [0x50, 0x4B, 0x03, 0x04]) else { return .accepted }   // legacy: no checksum to hold it to
        guard let reference = try? PyTorchFile(bytes: original) else { return .corruptionAccepted("the seed itself is unreadable") }
        let got = Self.fingerprint(file.root), want = Self.fingerprint(reference.root)
        return got == want ? .accepted : .corruptionAccepted("accepted a damaged archive that reads to other values")
    }

    /// A canonical text of a value: every tensor's dtype, shape and value bits.
    static func fingerprint(_ v: PickleValue) -> String {
        switch v {
        case .none: return "N"
        case .bool(let b): return b ? "T" : "F"
        case .int(let i): return "i\(i)"
        case .float(let d): return "f\(d.bitPattern)"
        case .string(let s): return "s\(s.debugDescription)"
        case .bytes(let b): return "b\(b)"
        case .global(let g): return "g\(g)"
        case .list(let items): return "[" + items.map(fingerprint).joined(separator: ",") + "]"
        case .tuple(let items): return "(" + items.map(fingerprint).joined(separator: ",") + ")"
        case .dict(let entries): return "{" + entries.map { fingerprint($0.key) + ":" + fingerprint($0.value) }.joined(separator: ",") + "}"
        case .tensor(let t): return "t\(t.dtype)\(t.value.shape)\(t.value.scalars.map(\.bitPattern))"
        }
    }
}
