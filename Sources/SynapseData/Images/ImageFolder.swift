import Foundation
import SynapseCore

/// Images in torchvision's `ImageFolder` layout — `root/<class>/<image>.png`, one subfolder per
/// class — decoded, converted to grey or RGB, resized and held in memory as `N×C×H×W` tensors in
/// [0, 1] with their class indices.
///
/// Class names are the sorted subfolder names (class index = position); files are taken in sorted
/// order (subfolders of a class folder included), those ending in `.png`, `.jpg` or `.jpeg` in any
/// case; hidden files and other files are ignored. A file that cannot be decoded is skipped and
/// listed in `skipped`, or refused with `Options.strict`.
public struct ImageFolder: BatchedDataset, Sendable {
    /// One example: a `C×H×W` image and its class index.
    public typealias Element = (features: Tensor, label: Int)
    /// Stacked examples: `N×C×H×W` images and their class indices.
    public typealias Batch = (features: Tensor, labels: IntTensor)

    /// How the images are read.
    public struct Options: Sendable, Equatable {
        /// Rows of every resized image.
        public var height: Int
        /// Columns of every resized image.
        public var width: Int
        /// The colour layout; nil: grey when every image is grey, else RGB.
        public var color: ImageColor?
        /// Refuse the folder at the first file that cannot be decoded (instead of skipping it).
        public var strict: Bool
        /// The largest image decoded, in pixels (larger headers are refused as decompression bombs).
        public var maxPixels: Int

        /// Options resizing to `height` × `width`.
        public init(height: Int = 32, width: Int = 32, color: ImageColor? = nil, strict: Bool = false,
                    maxPixels: Int = ImageDecoder.defaultMaxPixels) {
            self.height = height
            self.width = width
            self.color = color
            self.strict = strict
            self.maxPixels = maxPixels
        }
    }

    /// A file left out because it could not be decoded.
    public struct SkippedFile: Sendable, Equatable {
        /// The file's path.
        public var path: String
        /// Why it was left out (the decoder's error).
        public var reason: String
    }

    /// File name extensions read (compared case-insensitively).
    public static let extensions: Set<String> = ["png", "jpg", "jpeg"]
    /// The largest side `Options` may ask for.
    public static let maxSide = 4096
    /// How deep subfolders of a class folder are searched (a guard against symbolic-link loops).
    static let maxDepth = 16

    /// The folder read.
    public let root: URL
    /// Class names, sorted; a label is an index into them.
    public let classNames: [String]
    /// Each example's file, relative to `root` (`cat/001.png`).
    public let files: [String]
    /// The colour layout of the images.
    public let color: ImageColor
    /// The images (`N×C×H×W`, [0, 1]) and labels.
    public let tensors: TensorDataset
    /// Files that could not be decoded (empty with `Options.strict`, which throws instead).
    public let skipped: [SkippedFile]

    /// Reads every image under `root`.
    /// - Throws: `DataError.fileNotFound` (no folder), `.empty` (no class subfolders, or a class
    ///   without images), `.invalidContents` (sizes out of range), `.image` (with `strict`, the
    ///   first file that cannot be decoded).
    public init(root: URL, options: Options = Options()) throws(DataError) {
        let path = root.path
        guard (1...Self.maxSide).contains(options.height), (1...Self.maxSide).contains(options.width) else {
            throw .invalidContents(path: path, reason: "image size \(options.height)x\(options.width) is out of range (1 to \(Self.maxSide) per side)")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .fileNotFound(path: path) }
        guard isDirectory.boolValue else { throw .unreadable(path: path, reason: "not a directory (expected root/<class>/<image>.png)") }
        let classNames = try Self.subfolders(of: root)
        guard !classNames.isEmpty else {
            throw .empty(name: path, reason: "no class subfolders (expected the ImageFolder layout root/<class>/<image>.png)")
        }

        var decoded: [(pixels: [Float], gray: Bool, label: Int, file: String)] = []
        var skipped: [SkippedFile] = []
        for (label, name) in classNames.enumerated() {
            let files = Self.imageFiles(in: root.appendingPathComponent(name), relativeTo: name, depth: 0)
            guard !files.isEmpty else {
                throw .empty(name: root.appendingPathComponent(name).path,
                             reason: "class \"\(name)\" holds no image files (.png, .jpg, .jpeg)")
            }
            var kept = 0
            for file in files {
                let url = root.appendingPathComponent(file)
                let image: DecodedImage
                do { image = try ImageDecoder.decode(contentsOf: url, maxPixels: options.maxPixels) } catch {
                    if options.strict { throw .image(error) }
                    skipped.append(SkippedFile(path: url.path, reason: error.description))
                    continue
                }
                // Resized at its own colour layout; the common one is chosen once every image is read.
                decoded.append((Self.resizedNative(image, height: options.height, width: options.width), image.isGray, label, file))
                kept += 1
            }
            guard kept > 0 else {
                throw .empty(name: root.appendingPathComponent(name).path,
                             reason: "no image of class \"\(name)\" could be decoded (\(files.count) skipped)")
            }
        }

        let color = options.color ?? (decoded.allSatisfy(\.gray) ? .gray : .rgb)
        let plane = options.height * options.width
        var values = [Float](repeating: 0, count: decoded.count * color.channels * plane)
        for (n, example) in decoded.enumerated() {
            Self.layOut(example.pixels, gray: example.gray, as: color, plane: plane, into: &values, at: n * color.channels * plane)
        }
        self.root = root
        self.classNames = classNames
        self.files = decoded.map(\.file)
        self.color = color
        self.skipped = skipped
        self.tensors = TensorDataset(features: Tensor(shape: [decoded.count, color.channels, options.height, options.width], scalars: values),
                                     labels: IntTensor(shape: [decoded.count], scalars: decoded.map(\.label)))
    }

    /// One image as the folder makes its examples: resized to `height`×`width` with Pillow's
    /// antialiased bilinear filter at its own colour layout, then laid out as [channels, height, width]
    /// in `color` (grey replicated, RGB reduced to luma), values in [0, 1] before normalisation.
    /// `synapse predict` prepares single images with it, so they match the training examples exactly.
    public static func examplePixels(of image: DecodedImage, height: Int, width: Int, color: ImageColor) -> [Float] {
        var values = [Float](repeating: 0, count: color.channels * height * width)
        layOut(resizedNative(image, height: height, width: width), gray: image.isGray, as: color, plane: height * width,
               into: &values, at: 0)
        return values
    }

    /// The image resized in its own layout (grey or RGB, alpha dropped), interleaved.
    private static func resizedNative(_ image: DecodedImage, height: Int, width: Int) -> [Float] {
        let native = image.converted(to: image.isGray ? .gray : .rgb)
        return ImageResize.bilinear(native.floatPixels, height: native.height, width: native.width,
                                    channels: native.channels, toHeight: height, toWidth: width)
    }

    /// Writes interleaved `pixels` (grey when `gray`, else RGB) planar in `color` at `base`.
    private static func layOut(_ pixels: [Float], gray: Bool, as color: ImageColor, plane: Int, into values: inout [Float], at base: Int) {
        for p in 0..<plane {
            if gray {
                for c in 0..<color.channels { values[base + c * plane + p] = pixels[p] }
            } else if color == .rgb {
                for c in 0..<3 { values[base + c * plane + p] = pixels[p * 3 + c] }
            } else {
                // Pillow's luma weights (convert("L")); linear, so converting after resizing agrees.
                let (r, g, b) = (pixels[p * 3], pixels[p * 3 + 1], pixels[p * 3 + 2])
                values[base + p] = (r * 19595 + g * 38470 + b * 7471) / 65536
            }
        }
    }

    private init(root: URL, classNames: [String], files: [String], color: ImageColor, tensors: TensorDataset, skipped: [SkippedFile]) {
        self.root = root
        self.classNames = classNames
        self.files = files
        self.color = color
        self.tensors = tensors
        self.skipped = skipped
    }

    /// Number of images.
    public var count: Int { tensors.count }

    /// The image at `index` and its class index.
    public subscript(index: Int) -> Element { tensors[index] }

    /// The images at `indices`, stacked.
    public func batch(_ indices: [Int]) -> Batch { tensors.batch(indices) }

    /// The images at `indices`, in that order (class names and skipped files are kept).
    public func subset(_ indices: [Int]) -> ImageFolder {
        ImageFolder(root: root, classNames: classNames, files: indices.map { files[$0] }, color: color,
                    tensors: tensors.subset(indices), skipped: skipped)
    }

    /// The class index of every image.
    public var labels: [Int] { tensors.labels.scalars }

    /// The sorted visible subfolders of `root`.
    private static func subfolders(of root: URL) throws(DataError) -> [String] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: root.path) } catch {
            throw .unreadable(path: root.path, reason: error.localizedDescription)
        }
        return names.filter { name in
            var isDirectory: ObjCBool = false
            return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: root.appendingPathComponent(name).path, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }.sorted()
    }

    /// The image files under `folder` (paths starting with `prefix`), sorted, subfolders included.
    package static func imageFiles(in folder: URL, relativeTo prefix: String, depth: Int) -> [String] {
        guard depth <= maxDepth, let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        var out: [String] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let url = folder.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                out += imageFiles(in: url, relativeTo: prefix + "/" + name, depth: depth + 1)
            } else if extensions.contains(url.pathExtension.lowercased()) {
                out.append(prefix + "/" + name)
            }
        }
        return out
    }
}
