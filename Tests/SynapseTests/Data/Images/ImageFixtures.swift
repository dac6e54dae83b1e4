import Foundation
@testable import SynapseData

/// The image fixtures written by scripts/make-image-fixtures.py and what Pillow decoded from them.
enum ImageFixtures {
    /// What Pillow decoded from one fixture, in the decoder's native layout.
    struct Expected: Decodable {
        let width: Int
        let height: Int
        let channels: Int
        let bit_depth: Int
        let samples: [Int]
        /// Pillow's `convert("L")` of an RGB(A) file.
        let luma: [Int]?
    }

    static var directory: URL {
        get throws {
            guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
                throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "Fixtures not in the test bundle"])
            }
            return dir.appendingPathComponent("images")
        }
    }

    static func url(_ name: String) throws -> URL { try directory.appendingPathComponent(name) }

    static func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: url(name))) }

    /// The `expected.json` entries of the image files.
    static func expected() throws -> [String: Expected] {
        let data = try Data(contentsOf: url("expected.json"))
        var object = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        object.removeValue(forKey: "resize")
        return try JSONDecoder().decode([String: Expected].self, from: JSONSerialization.data(withJSONObject: object))
    }

    /// Pillow's bilinear resizes of `gray.png` (as floats in [0, 1]), keyed `HxW`.
    static func resized() throws -> [String: [Double]] {
        let data = try Data(contentsOf: url("expected.json"))
        let resize = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["resize"] as? [String: Any] ?? [:]
        return resize.compactMapValues { ($0 as? [Any])?.compactMap { ($0 as? NSNumber)?.doubleValue } }
    }

    /// A CRC-32 (PNG's chunk checksum), so tests can forge chunks a decoder still reads.
    static func crc32(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }
}
