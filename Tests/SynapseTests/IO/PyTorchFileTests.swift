import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseNN

/// `Fixtures/pytorch/<name>` in the test bundle (written once by scripts/make-pytorch-fixtures.py).
private func fixture(_ name: String) throws -> URL {
    let dir = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    return dir.appendingPathComponent("pytorch").appendingPathComponent(name)
}

/// The torch model the fixtures were saved from, in Synapse.
private final class Net: Module {
    let conv = Conv2d(1, 2, kernelSize: 3)
    let bn = BatchNorm2d(2)
    let fc = Linear(8, 3)
}

/// Compares `value` with its JSON twin (as `describe` in the fixture script writes it).
private func expectMatches(_ value: PickleValue, _ json: Any, at path: String = "root") {
    guard let node = json as? [String: Any] else { Issue.record("\(path): bad twin"); return }
    if let dtype = node["dtype"] as? String {
        guard case .tensor(let t) = value else { Issue.record("\(path): expected a tensor, got \(value.kind)"); return }
        #expect(t.dtype.rawValue == dtype, "\(path)")
        #expect(t.value.shape == (node["shape"] as! [Int]), "\(path)")
        let expected = (node["values"] as! [NSNumber]).map { Float($0.doubleValue) }
        #expect(t.value.scalars.map(\.bitPattern) == expected.map(\.bitPattern), "\(path): values differ")
        if t.integers != nil {
            #expect(t.integers! == (node["values"] as! [NSNumber]).map { Int64($0.doubleValue) }, "\(path)")
        }
    } else if let pairs = node["__dict__"] as? [[Any]] {
        guard case .dict(let entries) = value else { Issue.record("\(path): expected a dict, got \(value.kind)"); return }
        #expect(entries.count == pairs.count, "\(path)")
        for (e, pair) in zip(entries, pairs) {
            let key: String
            switch e.key {
            case .string(let s): key = s
            case .int(let i): key = String(i)
            default: Issue.record("\(path): key of kind \(e.key.kind)"); continue
            }
            #expect(key == pair[0] as! String, "\(path)")
            expectMatches(e.value, pair[1], at: path + "." + key)
        }
    } else if let items = node["__list__"] as? [Any] {
        let values: [PickleValue]
        switch value {
        case .list(let v), .tuple(let v): values = v
        default: Issue.record("\(path): expected a list, got \(value.kind)"); return
        }
        #expect(values.count == items.count, "\(path)")
        for (i, (v, item)) in zip(values, items).enumerated() { expectMatches(v, item, at: "\(path)[\(i)]") }
    } else {
        let plain = node["__value__"]
        switch value {
        case .none: #expect(plain is NSNull, "\(path)")
        case .bool(let b): #expect((plain as? Bool) == b, "\(path)")
        case .int(let i): #expect((plain as? NSNumber)?.int64Value == i, "\(path)")
        case .float(let d): #expect((plain as? NSNumber)?.doubleValue == d, "\(path)")
        case .string(let s): #expect((plain as? String) == s, "\(path)")
        default: Issue.record("\(path): unexpected \(value.kind)")
        }
    }
}

/// A legacy-format stream around the object pickle `body` (protocol 2, no storages).
private func legacyFile(_ body: [UInt8]) -> [UInt8] {
    PyTorchFileReader.legacyMagic + [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E] + [0x80, 0x02, 0x7D, 0x2E] + body + [0x80, 0x02, 0x5D, 0x2E]
}

private func pickleError(_ bytes: [UInt8]) -> PyTorchFileError? {
    do { _ = try PyTorchFile(bytes: bytes); return nil } catch { return error }
}

@Suite("IO: PyTorch .pt files, read without running code")
struct PyTorchFileTests {
    @Test("every fixture reads value for value as torch.load(weights_only=True) gave it",
          arguments: ["state_dict.pt", "state_dict_legacy.pt", "checkpoint_nested.pt", "dtypes.pt"])
    func fixturesMatchTorch(_ name: String) throws {
        let file = try PyTorchFile(contentsOf: try fixture(name))
        let twin = try JSONSerialization.jsonObject(with: try Data(contentsOf: try fixture(name + ".json")))
        expectMatches(file.root, twin)
    }

    @Test("a state dict loads into the same model built in Synapse; zip and legacy formats agree")
    func loadsIntoModule() throws {
        let zip = Net(), legacy = Net()
        let result = try zip.load(from: try fixture("state_dict.pt"))
        #expect(result.isEmpty && result.warnings.isEmpty)
        try legacy.load(from: try fixture("state_dict_legacy.pt"))
        let torch = try PyTorchFile(contentsOf: try fixture("state_dict.pt")).stateDict()
        #expect(Set(zip.stateDict().keys) == Set(torch.keys))
        for (name, t) in zip.stateDict() {
            #expect(t.scalars == torch[name]!.scalars, "\(name)")
            #expect(legacy.stateDict()[name]!.scalars == t.scalars, "\(name)")
        }
        #expect(zip.bn.numBatchesTracked?.value.scalars == [7])
    }

    @Test("a nested DataParallel checkpoint loads by key path with `module.` stripped; its other entries stay readable")
    func nestedCheckpoint() throws {
        let url = try fixture("checkpoint_nested.pt")
        let file = try PyTorchFile(contentsOf: url)
        guard case .int(3) = file.root["epoch"] else { Issue.record("epoch"); return }
        #expect(try file.stateDict().keys.allSatisfy { $0.hasPrefix("module.") })   // found under "model"
        let model = Net()
        #expect(throws: ModuleError.self) { try model.loadPyTorch(from: url, keyPath: ["model"]) }
        try model.loadPyTorch(from: url, keyPath: ["model"], mapping: [.stripPrefix("module.")])
        try model.load(from: url, mapping: [.stripPrefix("module.")])
        #expect(model.fc.weight.value.scalars == (try PyTorchFile(contentsOf: try fixture("state_dict.pt")).stateDict()["fc.weight"]!.scalars))
        #expect(throws: PyTorchFileError.self) { try file.stateDict(at: ["optimizer"]) }
        #expect(throws: PyTorchFileError.self) { try file.stateDict(at: ["nope"]) }
    }

    @Test("float64 and large int64 tensors convert to Float32 with a warning; views and shared storages gather right")
    func dtypesAndViews() throws {
        let file = try PyTorchFile(contentsOf: try fixture("dtypes.pt"))
        #expect(file.warnings.count == 2)
        #expect(file.warnings.contains { $0.contains("float64") } && file.warnings.contains { $0.contains("int64") })
        guard case .tensor(let t) = file.root["transposed"], case .tensor(let b) = file.root["shared_b"] else {
            Issue.record("missing tensors"); return
        }
        #expect(t.value.shape == [4, 3] && t.value.scalars[1] == Float(4) / 7)
        #expect(b.value.shape == [5, 1] && b.value.scalars == [5, 6, 7, 8, 9])
    }

    @Test("a pickle that would run os.system is refused by name, and nothing runs")
    func maliciousGlobalRefused() throws {
        let url = try fixture("malicious.pt")
        #expect(throws: PyTorchFileError.disallowedGlobal(path: url.path, module: "posix", name: "system")) {
            try PyTorchFile(contentsOf: url)
        }
        #expect(throws: PyTorchFileError.self) { try Net().load(from: url) }
    }

    @Test("recursion bombs and self-references are refused, not followed")
    func bombsRefused() throws {
        // 300 nested lists: [[[...]]].
        var deep: [UInt8] = [0x80, 0x02]
        for _ in 0..<300 { deep += [0x5D] }
        for _ in 0..<299 { deep += [0x61] }
        deep += [0x2E]
        guard case .badPickle(_, _, let reason)? = pickleError(legacyFile(deep)) else { Issue.record("deep nesting accepted"); return }
        #expect(reason.contains("nest"))
        // A list holding itself.
        let cycle: [UInt8] = [0x80, 0x02, 0x5D, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2E]
        #expect(pickleError(legacyFile(cycle)) != nil)
        // Billion laughs: each level a tuple of the previous level twice, 40 levels (2^40 values).
        var laughs: [UInt8] = [0x80, 0x02, 0x4B, 0x01]
        for _ in 0..<40 { laughs += [0x32, 0x86] }
        laughs += [0x2E]
        guard case .badPickle(_, _, let r2)? = pickleError(legacyFile(laughs)) else { Issue.record("bomb accepted"); return }
        #expect(r2.contains("expands"))
    }

    @Test("every truncation of a real file and bit flips in its records are errors, never a crash or a wrong tensor")
    func truncationsAndFlips() throws {
        let bytes = [UInt8](try Data(contentsOf: try fixture("state_dict.pt")))
        for n in stride(from: 0, to: bytes.count, by: 7) { #expect(pickleError(Array(bytes[..<n])) != nil, "prefix \(n)") }
        let legacy = [UInt8](try Data(contentsOf: try fixture("state_dict_legacy.pt")))
        for n in stride(from: 0, to: legacy.count, by: 5) { #expect(pickleError(Array(legacy[..<n])) != nil, "legacy prefix \(n)") }
        // A flipped bit inside a storage record fails its CRC-32.
        let zip = try ZipReader(bytes: bytes, path: "x")
        let record = try #require(zip.entries["state_dict/data/0"])
        var flipped = bytes
        flipped[record.dataRange.lowerBound + 5] ^= 0x10
        guard case .badArchive(_, let reason)? = pickleError(flipped) else { Issue.record("flip accepted"); return }
        #expect(reason.contains("CRC"))
    }

    @Test("files that are not PyTorch files say so")
    func notPyTorch() {
        #expect(pickleError(Array("hello".utf8)) == .notAPyTorchFile(path: "<memory>"))
        #expect(pickleError([]) == .notAPyTorchFile(path: "<memory>"))
    }
}
