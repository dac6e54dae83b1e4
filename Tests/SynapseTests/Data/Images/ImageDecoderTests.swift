import Foundation
import Testing
@testable import SynapseData

/// `ImageDecoder` on tiny real PNG and JPEG files, checked against Pillow's decoding of the same
/// files (scripts/make-image-fixtures.py), and on corrupt and oversized files.
@Suite struct ImageDecoderTests {
    @Test func everyFixtureDecodesAsPillowDecodesIt() throws {
        let expected = try ImageFixtures.expected()
        #expect(expected.count >= 10)
        for (name, want) in expected.sorted(by: { $0.key < $1.key }) {
            let image = try ImageDecoder.decode(contentsOf: try ImageFixtures.url(name))
            let got: [Int] = [image.height, image.width, image.channels, image.bitDepth]
            let wanted: [Int] = [want.height, want.width, want.channels, want.bit_depth]
            #expect(got == wanted, "\(name)")
            guard image.samples.count == want.samples.count else { continue }
            // libjpeg-turbo builds may round the last bit differently from Pillow's bundled one; PNG is exact.
            let tolerance = name.hasSuffix(".jpg") ? 1 : 0
            let worst = zip(image.samples, want.samples).map { abs(Int($0) - $1) }.max() ?? 0
            #expect(worst <= tolerance, "\(name): largest difference from Pillow \(worst)")
            if let luma = want.luma {
                let grey = image.converted(to: .gray)
                let worstLuma = zip(grey.samples, luma).map { abs(Int($0) - $1) }.max() ?? 0
                #expect(grey.channels == 1 && worstLuma <= tolerance, "\(name): luma differs from Pillow's convert(\"L\") by \(worstLuma)")
            }
        }
    }

    @Test func floatPixelsAndTensorsAreScaledToTheUnitInterval() throws {
        let image16 = try ImageDecoder.decode(try ImageFixtures.bytes("gray16.png"))
        #expect(image16.bitDepth == 16 && image16.maxValue == 65535)
        #expect(image16.floatPixels.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(image16.floatPixels[0] == Float(image16.samples[0]) / 65535)
        #expect(image16.bytePixels[0] == UInt8(image16.samples[0] >> 8))
        let rgba = try ImageDecoder.decode(try ImageFixtures.bytes("rgba.png"))
        #expect(rgba.tensor.shape == [16, 16, 4])
        let rgb = rgba.converted(to: .rgb)
        #expect(rgb.channels == 3 && rgb.samples[0..<3] == rgba.samples[0..<3])
        let grey = try ImageDecoder.decode(try ImageFixtures.bytes("gray.png")).converted(to: .rgb)
        #expect(grey.samples[0] == grey.samples[1] && grey.samples[1] == grey.samples[2])
    }

    @Test func bilinearResizingMatchesPillow() throws {
        let grey = try ImageDecoder.decode(try ImageFixtures.bytes("gray.png"))
        let resized = try ImageFixtures.resized()
        #expect(resized.count == 2)
        for (key, want) in resized {
            let sides = key.split(separator: "x").compactMap { Int($0) }
            let got = ImageResize.bilinear(grey.floatPixels, height: 16, width: 16, channels: 1, toHeight: sides[0], toWidth: sides[1])
            #expect(got.count == want.count, "\(key)")
            let worst = zip(got, want).map { abs(Double($0) - $1) }.max() ?? 1
            #expect(worst < 1e-5, "\(key): largest difference from Pillow \(worst)")
        }
        // Same size: unchanged.
        #expect(ImageResize.bilinear([1, 2, 3, 4], height: 2, width: 2, channels: 1, toHeight: 2, toWidth: 2) == [1, 2, 3, 4])
    }

    @Test func unknownTruncatedAndCorruptFilesAreTypedErrors() throws {
        #expect(throws: ImageError.unsupportedFormat(path: "x.gif")) { try ImageDecoder.decode(Array("GIF89a".utf8), path: "x.gif") }
        #expect(throws: ImageError.unsupportedFormat(path: "<memory>")) { try ImageDecoder.decode([]) }
        for name in ["rgba.png", "progressive.jpg", "baseline.jpg"] {
            let bytes = try ImageFixtures.bytes(name)
            for cut in [9, bytes.count / 2, bytes.count - 3] {
                do {
                    _ = try ImageDecoder.decode(Array(bytes[..<cut]), path: name)
                    Issue.record("\(name) cut to \(cut) bytes was accepted")
                } catch {
                    guard case .corrupt(let path, _, let reason) = error else { Issue.record("\(name): \(error)"); continue }
                    #expect(path == name && !reason.isEmpty)
                }
            }
        }
        // A flipped byte inside the PNG's pixel data fails its chunk checksum.
        var png = try ImageFixtures.bytes("rgb.png")
        png[png.count - 20] ^= 0xFF
        #expect(throws: ImageError.self) { try ImageDecoder.decode(png) }
        let missing = URL(fileURLWithPath: "/nonexistent/cat.png")
        #expect { try ImageDecoder.decode(contentsOf: missing) } throws: { error in
            guard case ImageError.unreadable(let path, _) = error else { return false }
            return path == missing.path && "\(error)".contains("cat.png")
        }
    }

    @Test func oversizedImagesAreRefusedBeforeDecoding() throws {
        #expect { try ImageDecoder.decode(try ImageFixtures.bytes("rgb.png"), maxPixels: 100) } throws: { error in
            guard case ImageError.tooLarge(_, let limit, let reason) = error else { return false }
            return limit == 100 && reason.contains("16x16")
        }
        #expect(throws: ImageError.self) { try ImageDecoder.decode(try ImageFixtures.bytes("baseline.jpg"), maxPixels: 100) }
        // A PNG header forged to announce 60000 × 60000 pixels (checksum fixed): refused, not allocated.
        var png = try ImageFixtures.bytes("rgb.png")
        let ihdr = 12    // length (4) + "IHDR" start at 8; width at 16, height at 20
        for (offset, value) in [(16, UInt32(60000)), (20, UInt32(60000))] {
            for i in 0..<4 { png[offset + i] = UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32(i))) }
        }
        let crc = ImageFixtures.crc32(png[ihdr..<(ihdr + 17)])
        for i in 0..<4 { png[ihdr + 17 + i] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(i))) }
        #expect { try ImageDecoder.decode(png) } throws: { error in
            guard case ImageError.tooLarge = error else { return false }
            return "\(error)".contains("60000x60000")
        }
        // A JPEG whose frame header announces 65000 × 65000 pixels.
        var jpeg = try ImageFixtures.bytes("baseline.jpg")
        if let sof = (0..<(jpeg.count - 9)).first(where: { jpeg[$0] == 0xFF && (jpeg[$0 + 1] == 0xC0 || jpeg[$0 + 1] == 0xC2) }) {
            for offset in [sof + 5, sof + 7] { jpeg[offset] = 0xFD; jpeg[offset + 1] = 0xE8 }
            #expect(throws: ImageError.self) { try ImageDecoder.decode(jpeg) }
        } else {
            Issue.record("no SOF marker in baseline.jpg")
        }
    }
}
