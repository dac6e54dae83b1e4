import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO

/// Bytes of a safetensors file: the length field (`declaredLength` or the header's real length), header, data.
private func file(_ header: String, data: Data = Data(), declaredLength: UInt64? = nil) -> Data {
    let json = Data(header.utf8)
    var out = Data()
    var n = (declaredLength ?? UInt64(json.count)).littleEndian
    withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
    return out + json + data
}

/// The error thrown by parsing `bytes`, or nil when they are accepted.
private func rejection(_ bytes: Data) -> SafeTensorsError? {
    do { _ = try SafeTensorsArchive(data: bytes); return nil } catch { return error }
}

@Suite("SafeTensors: the reference reader's validation rules")
struct SafeTensorsValidationTests {
    static let sample = SafeTensors.encode(["a": Tensor([1, 2, 3]), "b": Tensor(shape: [2, 2], scalars: [4, 5, 6, 7])],
                                           ints: ["c": IntTensor([8, 9])], metadata: ["k": "v"])

    @Test("a 96-byte file whose shape product overflows is an error, not a trap")
    func shapeProductOverflow() {
        let bytes = file(#"{"w":{"dtype":"F32","shape":[1000000000000000,3000],"data_offsets":[0,8]}}"#, data: Data(count: 8))
        #expect(bytes.count < 100)
        guard case .invalidData(let m)? = rejection(bytes) else { Issue.record("overflowing shape accepted"); return }
        #expect(m.contains("'w'"), "\(m)")
        // Products that overflow only after the dtype size, and dimensions beyond Int.
        #expect(rejection(file(#"{"w":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,8]}}"#, data: Data(count: 8))) != nil)
        #expect(rejection(file(#"{"w":{"dtype":"F32","shape":[99999999999999999999999],"data_offsets":[0,8]}}"#, data: Data(count: 8))) != nil)
        #expect(rejection(file(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,99999999999999999999]}}"#, data: Data(count: 8))) != nil)
    }

    @Test("a header length lowered or raised by 1 to 7 bytes is rejected: the tensors would be read shifted")
    func headerLengthOffByAFewBytes() {
        #expect(rejection(Self.sample) == nil)
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(Self.sample[i]) << (8 * UInt64(i)) }
        for delta in 1...7 {
            for declared in [length - UInt64(delta), length + UInt64(delta)] {
                var bytes = Self.sample
                for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: declared >> (8 * UInt64(i))) }
                #expect(rejection(bytes) != nil, "header length \(declared) (real \(length)) was accepted")
            }
        }
    }

    @Test("gaps before, between and after tensors are rejected")
    func gaps() {
        let cases = [
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, 12),
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}}"#, 20),
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, 12),
        ]
        for (header, size) in cases {
            guard case .invalidData(let m)? = rejection(file(header, data: Data(count: size))) else {
                Issue.record("gap accepted: \(header) with \(size) data bytes")
                continue
            }
            #expect(m.contains("belong to no tensor"), "\(m)")
        }
        // Contiguous, with an empty tensor in between, is fine.
        let ok = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"e":{"dtype":"F32","shape":[0,3],"data_offsets":[4,4]},"b":{"dtype":"U8","shape":[2],"data_offsets":[4,6]}}"#
        #expect(rejection(file(ok, data: Data(count: 6))) == nil)
    }

    @Test("overlapping and duplicated tensors are rejected")
    func overlapsAndDuplicates() {
        let overlap = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        guard case .invalidData(let m)? = rejection(file(overlap, data: Data(count: 8))) else { Issue.record("overlap accepted"); return }
        #expect(m.contains("overlap") && m.contains("'a'") && m.contains("'b'"), "\(m)")
        let same = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        guard case .invalidHeader(let d)? = rejection(file(same, data: Data(count: 8))) else { Issue.record("duplicate key accepted"); return }
        #expect(d.contains("'a'") && d.contains("twice"), "\(d)")
        let meta = #"{"__metadata__":{"k":"1","k":"2"}}"#
        #expect(rejection(file(meta)) != nil)
        let field = #"{"a":{"dtype":"F32","dtype":"I32","shape":[1],"data_offsets":[0,4]}}"#
        #expect(rejection(file(field, data: Data(count: 4))) != nil)
    }

    @Test("negative, fractional, exponent, string and boolean shape entries and offsets are typed errors naming the tensor")
    func malformedNumbers() {
        for dim in ["-1", "2.0", "2e0", "\"2\"", "true", "null", "-0"] {
            let h = #"{"w":{"dtype":"U8","shape":["# + dim + #"],"data_offsets":[0,2]}}"#
            guard case .invalidHeader(let m)? = rejection(file(h, data: Data(count: 2))) else { Issue.record("shape [\(dim)] accepted"); continue }
            #expect(m.contains("'w'"), "\(m)")
        }
        for offsets in ["[0, 2.0]", "[-0, 2]", "[0]", "[0, 2, 4]", "\"0,2\"", "[0, -2]"] {
            let h = #"{"w":{"dtype":"U8","shape":[2],"data_offsets":"# + offsets + "}}"
            #expect(rejection(file(h, data: Data(count: 2))) != nil, "offsets \(offsets) accepted")
        }
    }

    @Test("huge header lengths, non-object headers, bad metadata and invalid UTF-8 are typed errors")
    func badHeaders() {
        guard case .invalidHeader(let m)? = rejection(file("{}", declaredLength: 1 << 40)) else { Issue.record("2^40 header length accepted"); return }
        #expect(m.contains("limit"), "\(m)")
        for header in ["[]", "\"text\"", "null", "{} x", "{\"a\":}", "{\"__metadata__\": [1]}", "{\"__metadata__\": {\"k\": 1}}",
                       "{\"__metadata__\": {\"k\": null}}", "{\"w\": 5}"] {
            #expect(rejection(file(header)) != nil, "header \(header) accepted")
        }
        var invalidUTF8 = Data("{\"__metadata__\":{\"k\":\"".utf8)
        invalidUTF8.append(contentsOf: [0xC3, 0x28])
        invalidUTF8.append(contentsOf: Data("\"}}".utf8))
        var n = UInt64(invalidUTF8.count).littleEndian
        var bytes = Data()
        withUnsafeBytes(of: &n) { bytes.append(contentsOf: $0) }
        guard case .invalidHeader(let u)? = rejection(bytes + invalidUTF8) else { Issue.record("invalid UTF-8 accepted"); return }
        #expect(u.contains("UTF-8"), "\(u)")
        // Deep nesting is refused without exhausting the stack.
        let deep = "{\"__metadata__\":" + String(repeating: "[", count: 100_000) + "}"
        #expect(rejection(file(deep)) != nil)
    }

    @Test("headers padded with trailing spaces and metadata with escapes are read")
    func validVariants() throws {
        let header = #"{"__metadata__":{"n\u00e9e":"a\"b\n"},"w":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}"# + "     "
        var data = Data()
        var one = Float(2.5).bitPattern.littleEndian
        withUnsafeBytes(of: &one) { data.append(contentsOf: $0) }
        let archive = try SafeTensorsArchive(data: file(header, data: data))
        #expect(archive.metadata == ["née": "a\"b\n"])
        #expect(try archive.tensor("w").scalars == [2.5])
    }

    @Test("errors of a file on disk name the file")
    func errorsNameTheFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.file("shifted.safetensors")
        var bytes = Self.sample
        bytes[0] &-= 1
        try bytes.write(to: url)
        do {
            _ = try SafeTensors.load(from: url)
            Issue.record("shifted file accepted")
        } catch {
            #expect(error.description.contains(url.path), "\(error)")
        }
    }
}
