import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO

/// A safetensors file built by hand: 8-byte little-endian header length, the header text, the data.
private func rawFile(header: String, data: Data = Data(), declaredLength: UInt64? = nil) -> Data {
    let json = Data(header.utf8)
    var out = Data()
    var n = (declaredLength ?? UInt64(json.count)).littleEndian
    withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
    out.append(json)
    out.append(data)
    return out
}

/// Runs `body` and returns the `SafeTensorsError` it throws, or nil when it does not throw.
private func safeTensorsError<T>(_ body: () throws -> T, sourceLocation: SourceLocation = #_sourceLocation) -> SafeTensorsError? {
    do {
        _ = try body()
        return nil
    } catch let error as SafeTensorsError {
        return error
    } catch {
        Issue.record("expected a SafeTensorsError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The parsed header of encoded safetensors bytes, and where the data section starts.
private func parseHeader(_ bytes: Data) throws -> (header: [String: Any], length: Int, dataStart: Int) {
    let b = [UInt8](bytes)
    var n: UInt64 = 0
    for i in 0..<8 { n |= UInt64(b[i]) << (8 * UInt64(i)) }
    let length = Int(n)
    let json = try JSONSerialization.jsonObject(with: Data(b[8..<(8 + length)]))
    return (try #require(json as? [String: Any]), length, 8 + length)
}

@Suite("SafeTensors: writing, reading and validation")
struct SafeTensorsTests {
    static let tensors: [String: Tensor] = [
        "layer.weight": Tensor.randn([3, 4], generator: RandomGenerator(seed: 1)),
        "layer.bias": Tensor([0.5, -1.25, 3]),
        "scalar": Tensor(42.5),
        "cube": Tensor.randn([2, 3, 2], generator: RandomGenerator(seed: 2)),
        "special": Tensor([.infinity, -.infinity, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude]),
    ]
    static let ints: [String: IntTensor] = [
        "labels": IntTensor([3, 0, -7, 1 << 40, Int(Int64.min)]),
        "grid": IntTensor(shape: [2, 2], scalars: [1, 2, 3, 4]),
    ]
    static let metadata = ["format": "pt", "note": "épreuve \"quoted\" {json}"]

    @Test func roundTripThroughAFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.file("model.safetensors")
        try SafeTensors.save(Self.tensors, ints: Self.ints, metadata: Self.metadata, to: url)
        let archive = try SafeTensors.load(from: url)
        #expect(archive.names == (Array(Self.tensors.keys) + Array(Self.ints.keys)).sorted())
        #expect(archive.metadata == Self.metadata)
        for (name, t) in Self.tensors {
            let back = try archive.tensor(name)
            #expect(back.shape == t.shape, "\(name)")
            #expect(back.scalars.map(\.bitPattern) == t.scalars.map(\.bitPattern), "\(name) not bit-identical")
            #expect(archive.entries[name]?.dtype == .f32)
            #expect(try archive.tensor(name, expectedShape: t.shape).scalars.map(\.bitPattern) == t.scalars.map(\.bitPattern))
        }
        for (name, t) in Self.ints {
            #expect(try archive.intTensor(name) == t, "\(name)")
            #expect(archive.entries[name]?.dtype == .i64)
        }
        // NaN survives too (bit pattern preserved).
        let nan = try SafeTensorsArchive(data: SafeTensors.encode(["n": Tensor([.nan, 1])])).tensor("n")
        #expect(nan.scalars[0].isNaN && nan.scalars[1] == 1)
    }

    @Test func roundTripWithoutMetadataOrInts() throws {
        let archive = try SafeTensorsArchive(data: SafeTensors.encode(["a": Tensor([1, 2])]))
        #expect(archive.names == ["a"])
        #expect(archive.metadata.isEmpty)
        let empty = try SafeTensorsArchive(data: SafeTensors.encode([:]))
        #expect(empty.names.isEmpty)
    }

    /// The bytes follow the format exactly: little-endian u64 header length, a JSON object with
    /// dtype/shape/data_offsets per tensor and a string map `__metadata__`, a data section that starts
    /// 8-byte aligned and is densely packed with little-endian values.
    @Test func bytesFollowTheFormat() throws {
        let bytes = SafeTensors.encode(Self.tensors, ints: Self.ints, metadata: Self.metadata)
        let (header, length, dataStart) = try parseHeader(bytes)
        #expect(dataStart % 8 == 0, "data section starts at \(dataStart)")
        #expect(header["__metadata__"] as? [String: String] == Self.metadata)
        var ranges: [(Int, Int)] = []
        let b = [UInt8](bytes)
        for (name, value) in header where name != "__metadata__" {
            let entry = try #require(value as? [String: Any], "\(name)")
            let dtype = try #require(entry["dtype"] as? String)
            let shape = try #require(entry["shape"] as? [Int])
            let offsets = try #require(entry["data_offsets"] as? [Int])
            #expect(offsets.count == 2)
            let size = dtype == "F32" ? 4 : 8
            #expect(offsets[1] - offsets[0] == shape.reduce(1, *) * size, "\(name)")
            ranges.append((offsets[0], offsets[1]))
            if let t = Self.tensors[name] {
                #expect(dtype == "F32" && shape == t.shape)
                for (i, v) in t.scalars.enumerated() {
                    let at = dataStart + offsets[0] + 4 * i
                    let bits = UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
                    #expect(bits == v.bitPattern, "\(name)[\(i)]")
                }
            } else if let t = Self.ints[name] {
                #expect(dtype == "I64" && shape == t.shape)
                for (i, v) in t.scalars.enumerated() {
                    let at = dataStart + offsets[0] + 8 * i
                    var bits: UInt64 = 0
                    for j in 0..<8 { bits |= UInt64(b[at + j]) << (8 * UInt64(j)) }
                    #expect(Int64(bitPattern: bits) == Int64(v), "\(name)[\(i)]")
                }
            } else {
                Issue.record("unexpected header entry \(name)")
            }
        }
        // Densely packed: the ranges tile the data section with no gap or overlap.
        ranges.sort { $0.0 < $1.0 }
        var end = 0
        for (lo, hi) in ranges {
            #expect(lo == end)
            end = hi
        }
        #expect(end == bytes.count - 8 - length)
        // The header is plain JSON padded with spaces only.
        let headerText = String(decoding: b[8..<dataStart], as: UTF8.self)
        #expect(headerText.hasPrefix("{"))
        #expect(headerText.trimmingCharacters(in: .whitespaces).hasSuffix("}"))
    }

    @Test func readsFilesWrittenByPythonSafetensors() throws {
        // linear.safetensors was written by Python's safetensors (PyTorch golden data).
        let c = try GoldenManifest.bundled.get().case("linear")
        let archive = try SafeTensorsArchive(contentsOf: try Golden.fixtureURL(c.file))
        #expect(Set(archive.names) == Set(c.tensors.keys))
        for (name, info) in c.tensors {
            #expect(archive.entries[name]?.shape == info.shape, "\(name)")
            #expect(archive.entries[name]?.dtype == (info.dtype == "int64" ? .i64 : .f32), "\(name)")
        }
        let info = try #require(archive.metadata["info"])
        #expect(info.contains("linear"))
        let x = try archive.tensor("input.x")
        #expect(x.shape == [2, 3, 6] && x.scalars.allSatisfy(\.isFinite))
        // An int64 tensor from Python: class indices of the cross-entropy case.
        let ce = try SafeTensorsArchive(contentsOf: try Golden.fixtureURL("cross_entropy.safetensors"))
        let target = try ce.intTensor("input.target")
        #expect(target.shape == [6] && target.scalars.allSatisfy { (0..<5).contains($0) })
        // Re-encoding with Synapse and reading back gives the same values.
        var floats: [String: Tensor] = [:], ints: [String: IntTensor] = [:]
        for name in ce.names {
            if ce.entries[name]?.dtype == .i64 { ints[name] = try ce.intTensor(name) } else { floats[name] = try ce.tensor(name) }
        }
        let again = try SafeTensorsArchive(data: SafeTensors.encode(floats, ints: ints, metadata: ce.metadata))
        #expect(again.names == ce.names && again.metadata == ce.metadata)
        for name in floats.keys { #expect(try again.tensor(name).scalars == floats[name]!.scalars) }
        #expect(try again.intTensor("input.target") == target)
    }

    // MARK: Errors

    @Test func emptyFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.file("empty.safetensors")
        try Data().write(to: url)
        guard case .invalidHeader(let m)? = safeTensorsError({ try SafeTensors.load(from: url) }) else {
            Issue.record("an empty file did not throw invalidHeader")
            return
        }
        #expect(m.contains("0 bytes"), "\(m)")
        #expect(safeTensorsError { try SafeTensorsArchive(data: Data([1, 0, 0])) } != nil)
    }

    @Test func missingFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.file("absent.safetensors")
        guard case .unreadable(let path, _)? = safeTensorsError({ try SafeTensors.load(from: url) }) else {
            Issue.record("a missing file did not throw unreadable")
            return
        }
        #expect(path.hasSuffix("absent.safetensors"))
    }

    @Test func headerLengthLargerThanFile() {
        let bytes = rawFile(header: "{}", declaredLength: 1000)
        guard case .invalidHeader(let m)? = safeTensorsError({ try SafeTensorsArchive(data: bytes) }) else {
            Issue.record("a header length beyond the file did not throw invalidHeader")
            return
        }
        #expect(m.contains("1000"), "\(m)")
        // Also for an absurd length (would overflow a signed conversion).
        let huge = rawFile(header: "{}", declaredLength: .max)
        guard case .invalidHeader? = safeTensorsError({ try SafeTensorsArchive(data: huge) }) else {
            Issue.record("a 2^64-1 header length did not throw invalidHeader")
            return
        }
    }

    @Test func headerNotJSON() {
        for text in ["not json at all", "[1, 2, 3]", "{\"a\": ", "\"string\""] {
            guard case .invalidHeader? = safeTensorsError({ try SafeTensorsArchive(data: rawFile(header: text)) }) else {
                Issue.record("header \(text) did not throw invalidHeader")
                continue
            }
        }
    }

    @Test func malformedEntriesNameTheTensor() {
        let headers = [
            #"{"w": {"shape": [2], "data_offsets": [0, 8]}}"#,  // no dtype
            #"{"w": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}"#,  // negative dimension
            #"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}}"#,  // reversed offsets
            #"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0]}}"#,  // one offset
            #"{"w": 5}"#,  // not an object
        ]
        for h in headers {
            guard let e = safeTensorsError({ try SafeTensorsArchive(data: rawFile(header: h, data: Data(count: 8))) }) else {
                Issue.record("header \(h) was accepted")
                continue
            }
            #expect(e.description.contains("'w'"), "\(h): \(e)")
        }
    }

    @Test func unsupportedDType() {
        let bytes = rawFile(header: #"{"w": {"dtype": "F8_E4M3", "shape": [4], "data_offsets": [0, 4]}}"#, data: Data(count: 4))
        let error = safeTensorsError { try SafeTensorsArchive(data: bytes) }
        #expect(error == .unsupportedDType(name: "w", dtype: "F8_E4M3"))
        #expect(error?.description.contains("'w'") == true)
    }

    @Test func truncatedFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.file("cut.safetensors")
        // "z.last" sorts last, so its bytes are at the end of the data section.
        try SafeTensors.save(["a.first": Tensor([1, 2, 3]), "z.last": Tensor([4, 5, 6, 7])], to: url)
        let full = try Data(contentsOf: url)
        try full.prefix(full.count - 5).write(to: url)
        let error = safeTensorsError { try SafeTensors.load(from: url) }
        guard case .invalidData(let m)? = error else {
            Issue.record("a truncated file gave \(String(describing: error)), expected invalidData")
            return
        }
        #expect(m.contains("z.last"), "\(m)")
    }

    @Test func offsetsBeyondTheData() {
        let bytes = rawFile(header: #"{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}"#, data: Data(count: 12))
        guard case .invalidData(let m)? = safeTensorsError({ try SafeTensorsArchive(data: bytes) }) else {
            Issue.record("offsets beyond the data did not throw invalidData")
            return
        }
        #expect(m.contains("'w'"), "\(m)")
    }

    @Test func shapeAndDTypeDisagreeWithOffsets() {
        // [2, 3] F32 needs 24 bytes, the offsets give 20.
        let bytes = rawFile(header: #"{"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 20]}}"#, data: Data(count: 24))
        guard case .invalidData(let m)? = safeTensorsError({ try SafeTensorsArchive(data: bytes) }) else {
            Issue.record("a size disagreement did not throw invalidData")
            return
        }
        #expect(m.contains("'w'"), "\(m)")
        // I64 [3] needs 24 bytes; F32-sized offsets (12) are wrong for it.
        let ints = rawFile(header: #"{"i": {"dtype": "I64", "shape": [3], "data_offsets": [0, 12]}}"#, data: Data(count: 24))
        guard case .invalidData(let m2)? = safeTensorsError({ try SafeTensorsArchive(data: ints) }) else {
            Issue.record("an I64 size disagreement did not throw invalidData")
            return
        }
        #expect(m2.contains("'i'"), "\(m2)")
    }

    @Test func overlappingRanges() {
        let header = #"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}"#
        let error = safeTensorsError { try SafeTensorsArchive(data: rawFile(header: header, data: Data(count: 12))) }
        guard case .invalidData(let m)? = error else {
            Issue.record("overlapping ranges gave \(String(describing: error)), expected invalidData")
            return
        }
        // The message must say which tensor is affected (ideally both 'a' and 'b').
        #expect(m.contains("'a'") || m.contains("'b'"), "overlap message names no tensor: \(m)")
    }

    @Test func overlapHiddenBehindANestedRangeIsFound() {
        // c = [0, 16) contains a = [4, 8); b = [12, 20) overlaps only c.
        let header = #"{"c": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}, "a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [12, 20]}}"#
        guard case .invalidData? = safeTensorsError({ try SafeTensorsArchive(data: rawFile(header: header, data: Data(count: 20))) }) else {
            Issue.record("a nested overlap was not detected")
            return
        }
    }

    @Test func missingTensor() throws {
        let archive = try SafeTensorsArchive(data: SafeTensors.encode(["a": Tensor([1])], ints: ["i": IntTensor([1])]))
        let e1 = safeTensorsError { try archive.tensor("nope") }
        #expect(e1 == .missingTensor("nope"))
        #expect(e1?.description.contains("nope") == true)
        #expect(safeTensorsError { try archive.intTensor("gone") } == .missingTensor("gone"))
        #expect(safeTensorsError { try archive.tensor("absent", expectedShape: [1]) } == .missingTensor("absent"))
    }

    @Test func expectedShapeMismatch() throws {
        let archive = try SafeTensorsArchive(data: SafeTensors.encode(["fc.weight": Tensor.zeros([2, 3])], ints: ["idx": IntTensor([1, 2])]))
        let error = safeTensorsError { try archive.tensor("fc.weight", expectedShape: [3, 2]) }
        guard case .mismatch(let m)? = error else {
            Issue.record("a shape mismatch gave \(String(describing: error)), expected mismatch")
            return
        }
        #expect(m.contains("fc.weight") && m.contains("[2, 3]") && m.contains("[3, 2]"), "\(m)")
        #expect(try archive.tensor("fc.weight", expectedShape: [2, 3]).shape == [2, 3])
        // An integer tensor is not a valid parameter even with the right shape.
        guard case .mismatch(let m2)? = safeTensorsError({ try archive.tensor("idx", expectedShape: [2]) }) else {
            Issue.record("an I64 tensor was accepted as a float parameter")
            return
        }
        #expect(m2.contains("idx"), "\(m2)")
    }

    @Test func readsOtherDTypesAndPaddedHeaders() throws {
        // F64 [2] = [1.5, -2], F16 [2] = [1, -2] (0x3C00, 0xC000), BF16 [1] = 3 (0x4040), I32 [1] = -5, U8 [2].
        var data = Data()
        for v in [1.5, -2.0] { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: [0x00, 0x3C, 0x00, 0xC0])
        data.append(contentsOf: [0x40, 0x40])
        withUnsafeBytes(of: Int32(-5).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: [7, 255])
        let header = """
            {"d": {"dtype": "F64", "shape": [2], "data_offsets": [0, 16]}, "h": {"dtype": "F16", "shape": [2], "data_offsets": [16, 20]},
             "bf": {"dtype": "BF16", "shape": [1], "data_offsets": [20, 22]}, "i": {"dtype": "I32", "shape": [1], "data_offsets": [22, 26]},
             "u": {"dtype": "U8", "shape": [2], "data_offsets": [26, 28]}}
            """ + "       "  // trailing padding spaces, as Python's writer emits
        let archive = try SafeTensorsArchive(data: rawFile(header: header, data: data))
        #expect(try archive.tensor("d").scalars == [1.5, -2])
        #expect(try archive.tensor("h").scalars == [1, -2])
        #expect(try archive.tensor("bf").scalars == [3])
        #expect(try archive.intTensor("i").scalars == [-5])
        #expect(try archive.intTensor("u").scalars == [7, 255])
    }
}
