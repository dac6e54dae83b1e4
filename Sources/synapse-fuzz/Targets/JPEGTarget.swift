import Foundation
import Synapse

/// Mutants of real JPEG files (the committed decoder fixtures: a crop of scikit-learn's sample
/// photo as baseline, progressive, grey and CMYK JPEGs), decoded as `ImageDecoder` decodes a user's
/// file.
///
/// JPEG has no checksum: a changed byte in the entropy-coded data decodes to other pixels and no
/// reader can tell, so the goal here is no crash, no hang (progressive scans are capped) and a sane
/// image when one is accepted: 1 or 3 channels of 8 bits, within the pixel limit, as many samples
/// as its sides say.
struct JPEGTarget: FuzzTarget {
    let name = "jpeg"

    /// The pixel limit of the fuzzed decodes: a mutant announcing more is refused, not allocated.
    static let maxPixels = 1 << 20

    func seeds() throws -> [[UInt8]] {
        try ["baseline.jpg", "progressive.jpg", "gray.jpg", "cmyk.jpg"].map {
            [UInt8](try Data(contentsOf: PNGTarget.fixtures.appendingPathComponent($0)))
        }
    }

    func check(_ mutant: [UInt8], original: [UInt8]) -> FuzzVerdict {
        let image: DecodedImage
        do { image = try ImageDecoder.decode(mutant, path: "mutant.jpg", maxPixels: Self.maxPixels) } catch { return .rejected }
        guard image.channels == 1 || image.channels == 3, image.bitDepth == 8 else {
            return .corruptionAccepted("decoded to \(image.channels) channels of \(image.bitDepth) bits")
        }
        guard image.height * image.width <= Self.maxPixels, image.samples.count == image.height * image.width * image.channels else {
            return .corruptionAccepted("decoded to \(image.height)x\(image.width) with \(image.samples.count) samples")
        }
        return .accepted
    }
}
