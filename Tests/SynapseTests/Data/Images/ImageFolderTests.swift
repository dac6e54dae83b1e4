import Foundation
import Testing
@testable import SynapseCore
@testable import SynapseData

/// `ImageFolder` on folders built from the real image fixtures: class order, file order, colour
/// detection, resizing, skipped and refused files, and per-channel normalisation.
@Suite struct ImageFolderTests {
    /// A temporary ImageFolder tree: `files` maps `class/name` to a fixture name (or nil: garbage bytes).
    static func folder(_ files: [String: String?]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("synapse-images-\(UUID().uuidString)")
        for (path, fixture) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let bytes = try fixture.map { try ImageFixtures.bytes($0) } ?? Array("not an image".utf8)
            try Data(bytes).write(to: url)
        }
        return root
    }

    @Test func classesAreSortedSubfoldersAndFilesAreSorted() throws {
        let root = try Self.folder([
            "zebra/b.png": "rgb.png", "zebra/a.JPG": "baseline.jpg", "ant/x.png": "gray.png", "ant/deeper/y.jpeg": "progressive.jpg",
            "ant/notes.txt": "gray.png", "ant/.hidden.png": "gray.png",
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = try ImageFolder(root: root, options: .init(height: 8, width: 12))
        #expect(folder.classNames == ["ant", "zebra"])
        #expect(folder.files == ["ant/deeper/y.jpeg", "ant/x.png", "zebra/a.JPG", "zebra/b.png"])
        #expect(folder.labels == [0, 0, 1, 1])
        #expect(folder.color == .rgb)    // some images are in colour
        #expect(folder.tensors.features.shape == [4, 3, 8, 12])
        #expect(folder.tensors.features.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(folder.skipped.isEmpty)
        let sub = folder.subset([3, 0])
        #expect(sub.files == ["zebra/b.png", "ant/deeper/y.jpeg"] && sub.labels == [1, 0] && sub.classNames == folder.classNames)
    }

    @Test func greyFoldersGetOneChannelUnlessAskedForRGB() throws {
        let root = try Self.folder(["a/1.png": "gray.png", "b/1.png": "gray16.png", "b/2.jpg": "gray.jpg"])
        defer { try? FileManager.default.removeItem(at: root) }
        let grey = try ImageFolder(root: root, options: .init(height: 16, width: 16))
        #expect(grey.color == .gray && grey.tensors.features.shape == [3, 1, 16, 16])
        // At its own size a grey PNG comes through unchanged.
        let decoded = try ImageDecoder.decode(contentsOf: try ImageFixtures.url("gray.png"))
        #expect(Array(grey.tensors.features.scalars[0..<256]) == decoded.floatPixels)
        let rgb = try ImageFolder(root: root, options: .init(height: 16, width: 16, color: .rgb))
        #expect(rgb.tensors.features.shape == [3, 3, 16, 16])
        let first = rgb.tensors.features.scalars
        #expect(Array(first[0..<256]) == Array(first[256..<512]))
        // Colour images reduced to one channel by the luma weights.
        let colour = try Self.folder(["a/1.png": "rgb.png", "b/1.png": "rgba.png"])
        defer { try? FileManager.default.removeItem(at: colour) }
        #expect(try ImageFolder(root: colour, options: .init(height: 4, width: 4, color: .gray)).tensors.features.shape == [2, 1, 4, 4])
    }

    @Test func undecodableFilesAreSkippedAndCountedOrRefusedWhenStrict() throws {
        let root = try Self.folder(["a/1.png": "gray.png", "a/2.png": nil, "b/1.jpg": "gray.jpg"])
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = try ImageFolder(root: root, options: .init(height: 8, width: 8))
        #expect(folder.count == 2 && folder.skipped.count == 1)
        #expect(folder.skipped.first?.path.hasSuffix("a/2.png") == true)
        #expect { try ImageFolder(root: root, options: .init(height: 8, width: 8, strict: true)) } throws: { error in
            guard case DataError.image(.unsupportedFormat(let path)) = error else { return false }
            return path.hasSuffix("a/2.png")
        }
    }

    @Test func badFoldersAreTypedErrorsNamingThePath() throws {
        let missing = URL(fileURLWithPath: "/nonexistent/images")
        #expect(throws: DataError.fileNotFound(path: missing.path)) { try ImageFolder(root: missing) }
        let flat = try Self.folder(["1.png": "gray.png"])
        defer { try? FileManager.default.removeItem(at: flat) }
        #expect { try ImageFolder(root: flat) } throws: { "\($0)".contains("no class subfolders") }
        let emptyClass = try Self.folder(["a/1.png": "gray.png", "b/readme.txt": "gray.png"])
        defer { try? FileManager.default.removeItem(at: emptyClass) }
        #expect { try ImageFolder(root: emptyClass) } throws: { "\($0)".contains("class \"b\" holds no image files") }
        let allBad = try Self.folder(["a/1.png": "gray.png", "b/1.png": nil])
        defer { try? FileManager.default.removeItem(at: allBad) }
        #expect { try ImageFolder(root: allBad) } throws: { "\($0)".contains("no image of class \"b\" could be decoded") }
        #expect { try ImageFolder(root: allBad, options: .init(height: 0, width: 8)) } throws: { "\($0)".contains("out of range") }
    }

    @Test func normalisationUsesTheStatisticsItIsGiven() throws {
        let images = Tensor(shape: [2, 2, 1, 2], scalars: [0, 1, 10, 10, 2, 3, 10, 10])
        let n = ImageNormalization.fitted(on: images)
        #expect(n.mean == [1.5, 10])
        #expect(abs(n.std[0] - Float(1.25).squareRoot()) < 1e-6 && n.std[1] == 1)    // a constant channel keeps scale 1
        let out = n.apply(to: images).scalars
        #expect(abs(out[0] + 1.5 / Float(1.25).squareRoot()) < 1e-5 && out[2] == 0)
    }
}
