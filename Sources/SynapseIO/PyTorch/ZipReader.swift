import CZlib
import Foundation

/// A read-only reader of the zip container `torch.save` writes: stored (uncompressed) entries,
/// zip64 where sizes need it, every entry's CRC-32 checked before its bytes are used.
///
/// Everything is validated against the file's length before use (entry count, central directory,
/// local headers, data ranges), so a damaged or hostile file produces `PyTorchFileError.badArchive`,
/// never an out-of-bounds read.
struct ZipReader {
    /// One file in the archive.
    struct Entry {
        let name: String
        let dataRange: Range<Int>
        let crc32: UInt32
    }

    let bytes: [UInt8]
    let path: String
    /// Entries by name.
    private(set) var entries: [String: Entry] = [:]
    /// Entry names in central-directory order.
    private(set) var names: [String] = []

    /// Whether `bytes` starts like a zip archive.
    static func looksLikeZip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && bytes[0] == 0x50 && bytes[1] == 0x4B && bytes[2] == 0x03 && bytes[3] == 0x04
    }

    init(bytes: [UInt8], path: String) throws(PyTorchFileError) {
        self.bytes = bytes
        self.path = path
        let (count, directory) = try centralDirectory()
        var offset = directory.lowerBound
        for _ in 0..<count {
            let entry = try readEntry(at: &offset, directoryEnd: directory.upperBound)
            guard entries[entry.name] == nil else { throw bad("entry '\(entry.name)' appears twice") }
            entries[entry.name] = entry
            names.append(entry.name)
        }
    }

    /// The bytes of `entry`, after checking its CRC-32.
    func data(_ entry: Entry) throws(PyTorchFileError) -> ArraySlice<UInt8> {
        let slice = bytes[entry.dataRange]
        let crc = slice.withUnsafeBufferPointer { buf -> UInt32 in
            // zlib's crc32 takes a 32-bit length: feed large entries in chunks.
            var crc = crc32(0, nil, 0)
            var start = 0
            while start < buf.count {
                let n = min(buf.count - start, 1 << 30)
                crc = crc32(crc, buf.baseAddress! + start, UInt32(n))
                start += n
            }
            return UInt32(crc)
        }
        guard crc == entry.crc32 else {
            throw bad("entry '\(entry.name)' fails its CRC-32 check (recorded \(hex(entry.crc32)), computed \(hex(crc)))")
        }
        return slice
    }

    // MARK: - Structure

    private func bad(_ reason: String) -> PyTorchFileError { .badArchive(path: path, reason: reason) }

    private func u16(_ at: Int) throws(PyTorchFileError) -> Int {
        guard at >= 0, at + 2 <= bytes.count else { throw bad("a field at byte \(at) lies beyond the end of the file") }
        return Int(bytes[at]) | Int(bytes[at + 1]) << 8
    }

    private func u32(_ at: Int) throws(PyTorchFileError) -> UInt32 {
        guard at >= 0, at + 4 <= bytes.count else { throw bad("a field at byte \(at) lies beyond the end of the file") }
        return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }

    private func u64(_ at: Int) throws(PyTorchFileError) -> UInt64 {
        UInt64(try u32(at)) | UInt64(try u32(at + 4)) << 32
    }

    /// A file offset or size read from the archive, checked to lie within the file.
    private func position(_ value: UInt64, _ what: String) throws(PyTorchFileError) -> Int {
        guard value <= UInt64(bytes.count) else { throw bad("\(what) \(value) lies beyond the file's \(bytes.count) bytes") }
        return Int(value)
    }

    /// The number of entries and the byte range of the central directory.
    private func centralDirectory() throws(PyTorchFileError) -> (Int, Range<Int>) {
        // The end-of-central-directory record is the last 22 bytes plus a comment of up to 65535.
        guard bytes.count >= 22 else { throw bad("file of \(bytes.count) bytes is too short for a zip archive") }
        var eocd = -1
        var at = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65535)
        while at >= lowest {
            if bytes[at] == 0x50, bytes[at + 1] == 0x4B, bytes[at + 2] == 0x05, bytes[at + 3] == 0x06,
               at + 22 + (try u16(at + 20)) == bytes.count {
                eocd = at
                break
            }
            at -= 1
        }
        guard eocd >= 0 else { throw bad("no end-of-central-directory record (truncated file?)") }
        var count = UInt64(try u16(eocd + 10))
        var size = UInt64(try u32(eocd + 12))
        var offset = UInt64(try u32(eocd + 16))
        guard try u16(eocd + 4) == 0, try u16(eocd + 6) == 0 else { throw bad("multi-disk archives are not supported") }
        if count == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
            // Zip64: a locator right before the record points at the zip64 end record.
            let locator = eocd - 20
            guard locator >= 0, try u32(locator) == 0x0706_4b50 else { throw bad("zip64 fields without a zip64 locator") }
            let record = try position(try u64(locator + 8), "zip64 end record offset")
            guard try u32(record) == 0x0606_4b50 else { throw bad("zip64 end record signature missing at byte \(record)") }
            count = try u64(record + 32)
            size = try u64(record + 40)
            offset = try u64(record + 48)
        }
        let start = try position(offset, "central directory offset")
        let length = try position(size, "central directory size")
        guard start + length <= bytes.count else { throw bad("central directory runs past the end of the file") }
        // Each central entry takes at least 46 bytes: a larger count is a lie.
        guard count <= UInt64(length / 46) else { throw bad("\(count) entries cannot fit in a \(length)-byte central directory") }
        return (Int(count), start..<(start + length))
    }

    private func readEntry(at offset: inout Int, directoryEnd: Int) throws(PyTorchFileError) -> Entry {
        let at = offset
        guard at + 46 <= directoryEnd, try u32(at) == 0x0201_4b50 else { throw bad("central directory entry at byte \(at) is malformed") }
        let flags = try u16(at + 8), method = try u16(at + 10)
        let crc = try u32(at + 16)
        var compressed = UInt64(try u32(at + 20)), uncompressed = UInt64(try u32(at + 24))
        let nameLength = try u16(at + 28), extraLength = try u16(at + 30), commentLength = try u16(at + 32)
        var local = UInt64(try u32(at + 42))
        let nameStart = at + 46
        let end = nameStart + nameLength + extraLength + commentLength
        guard end <= directoryEnd else { throw bad("central directory entry at byte \(at) runs past the directory") }
        guard let name = String(bytes: bytes[nameStart..<(nameStart + nameLength)], encoding: .utf8), !name.isEmpty else {
            throw bad("entry at byte \(at) has an empty or non-UTF-8 name")
        }
        // Zip64 extended information replaces the fields that hold 0xFFFFFFFF, in this order.
        var e = nameStart + nameLength
        let extraEnd = e + extraLength
        while e + 4 <= extraEnd {
            let id = try u16(e), size = try u16(e + 2)
            guard e + 4 + size <= extraEnd else { throw bad("entry '\(name)' has a malformed extra field") }
            if id == 0x0001 {
                var p = e + 4
                func next() throws(PyTorchFileError) -> UInt64 {
                    guard p + 8 <= e + 4 + size else { throw bad("entry '\(name)' has a short zip64 field") }
                    defer { p += 8 }
                    return try u64(p)
                }
                if uncompressed == 0xFFFF_FFFF { uncompressed = try next() }
                if compressed == 0xFFFF_FFFF { compressed = try next() }
                if local == 0xFFFF_FFFF { local = try next() }
            }
            e += 4 + size
        }
        guard flags & 0x1 == 0 else { throw bad("entry '\(name)' is encrypted") }
        guard method == 0 else { throw bad("entry '\(name)' is compressed (method \(method)); torch.save stores entries uncompressed") }
        guard compressed == uncompressed else { throw bad("entry '\(name)' is stored but its sizes differ (\(compressed) vs \(uncompressed))") }
        // The local header repeats the name; the data follows it and its own extra field.
        let header = try position(local, "local header offset of '\(name)'")
        guard try u32(header) == 0x0403_4b50 else { throw bad("entry '\(name)' has no local header at byte \(header)") }
        let localName = try u16(header + 26), localExtra = try u16(header + 28)
        guard localName == nameLength, header + 30 + localName <= bytes.count,
              bytes[(header + 30)..<(header + 30 + localName)].elementsEqual(bytes[nameStart..<(nameStart + nameLength)]) else {
            throw bad("entry '\(name)': the local header names another file")
        }
        let dataStart = header + 30 + localName + localExtra
        let size = try position(compressed, "size of '\(name)'")
        guard dataStart <= bytes.count, size <= bytes.count - dataStart else { throw bad("entry '\(name)' runs past the end of the file") }
        offset = end
        return Entry(name: name, dataRange: dataStart..<(dataStart + size), crc32: crc)
    }
}

private func hex(_ v: UInt32) -> String { "0x" + String(v, radix: 16) }
