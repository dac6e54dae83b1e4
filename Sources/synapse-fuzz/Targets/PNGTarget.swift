import Foundation
import Synapse

/// Mutants of real PNG files (the committed decoder fixtures: a Tango icon as RGBA, RGB, grey,
/// grey+alpha, palette, palette+transparency and 16-bit grey), decoded as `ImageDecoder` decodes a
/// user's file.
///
/// Every PNG chunk carries a CRC-32 that the decoder checks (ancillary chunks included) and the
/// pixel stream a zlib checksum, so an accepted mutant must decode to exactly the original pixels
/// (the mutation touched bytes after the image end, or was undone by a later one), unless it is
/// itself a well-formed PNG whose every chunk's CRC holds: a mutation that removes or duplicates a
/// whole chunk (the palette's `tRNS`, say) makes another valid file, which no reader can tell from
/// an original. Anything else is a silently accepted corruption.
struct PNGTarget: FuzzTarget {
    let name = "png"

    /// The fixture directory, found from this source file (the fuzzer runs from a checkout).
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/SynapseTests/Fixtures/images")

    func seeds() throws -> [[UInt8]] {
        try ["rgba.png", "rgb.png", "gray.png", "gray-alpha.png", "palette.png", "palette-alpha.png", "gray16.png", "interlaced.png"].map {
            [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent($0)))
        }
    }

    func check(_ mutant: [UInt8], original: [UInt8]) -> FuzzVerdict {
        let image: DecodedImage
        do { image = try ImageDecoder.decode(mutant, path: "mutant.png", maxPixels: 1 << 20) } catch { return .rejected }
        guard let reference = try? ImageDecoder.decode(original) else { return .corruptionAccepted("the seed itself is unreadable") }
        if image == reference || Self.everyChunkChecksumHolds(mutant) { return .accepted }
        return .corruptionAccepted("accepted a damaged PNG that decodes to other pixels "
            + "(\(image.height)x\(image.width)x\(image.channels), \(image.bitDepth) bits)")
    }

    /// Whether `bytes` is a signature and a sequence of chunks up to `IEND`, each with a valid CRC-32.
    static func everyChunkChecksumHolds(_ bytes: [UInt8]) -> Bool {
        var at = 8
        while at + 12 <= bytes.count {
            let length = bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) }
            guard length <= bytes.count - at - 12 else { return false }
            let body = bytes[(at + 4)..<(at + 8 + length)]
            let stored = bytes[(at + 8 + length)..<(at + 12 + length)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            guard crc32(body) == stored else { return false }
            if body.starts(with: Array("IEND".utf8)) { return true }
            at += 12 + length
        }
        return false
    }

    /// The CRC-32 of PNG chunks (ISO 3309, bit-reversed polynomial 0xEDB88320).
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }
}
