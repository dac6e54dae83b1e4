import Foundation
import SynapseCore
import SynapseData
import SynapseNN

/// Predicts with an image classifier (`mlp`, `cnn` on an IDX image dataset): pixels 0–255 from JSON
/// or IDX files, scaled to [0, 1] like the training images, shaped as the recorded `input_shape`.
struct ImagePredictor: Predictor {
    let model: any Layer
    let inputShape: [Int]
    let classNames: [String]
    let modelDescription: String
    let batchSize: Int

    /// Rebuilds the classifier recorded in `meta` for `dataset` and loads the weights.
    static func load(weights: URL, meta: WeightsMetadata, dataset: ImageDatasetChoice, batchSize: Int) throws -> ImagePredictor {
        guard let name = meta.optionalString("model"), let kind = ImageClassifierKind(rawValue: name) else {
            throw PredictionError.unsupportedModel(path: weights.path, reason: "metadata model is "
                + "\(meta.optionalString("model").map { "'\($0)'" } ?? "missing"); expected an image classifier (mlp, cnn)")
        }
        let classNames = dataset.classNames
        let recordedShape = try meta.optionalSizes("input_shape", in: 1...(1 << 16), maxCount: 4)
        let architecture = try ImageClassifierArchitecture.read(meta, kind: kind, inputShape: recordedShape ?? [1, 28, 28],
                                                                classes: classNames.count)
        let model = try architecture.make(generator: RandomGenerator(seed: 0), source: weights.path)
        do { try model.load(from: weights) } catch {
            throw PipelineError.invalidRun(path: weights.path, reason: "does not hold a \(name) for \(dataset.rawValue): \(error)")
        }
        return ImagePredictor(model: model, inputShape: architecture.inputShape, classNames: classNames,
                              modelDescription: "\(name) on \(dataset.rawValue)", batchSize: batchSize)
    }

    /// Pixels per image.
    var pixelCount: Int { inputShape.reduce(1, *) }

    func predict(_ input: PredictionInput) throws -> PredictionResult {
        let pixels: [Float]
        switch input {
        case .json(let url): pixels = try jsonPixels(url)
        case .idx(let url): pixels = try idxPixels(url)
        case .csv(let url):
            throw PredictionError.unsupportedInput(path: url.path, reason: "an image classifier takes JSON pixel arrays or an IDX image "
                                                   + "file, not CSV")
        case .image(let url), .imageDirectory(let url):
            // PNG/JPEG decoding (ImageDecoder, ImageFolder) is not in this build yet; once it is, this is the one case to fill in.
            throw PredictionError.unsupportedInput(path: url.path, reason: "\(input.kindDescription) as input is not yet supported; "
                                                   + "pass JSON pixel arrays or an IDX image file")
        }
        let n = pixels.count / pixelCount
        let features = Tensor(shape: [n] + inputShape, scalars: pixels)
        let logits = batchedOutputs(model, features: features, batchSize: batchSize)
        return PredictionResult(classNames: classNames, predictions: classPredictions(logits, classNames: classNames),
                                modelDescription: modelDescription)
    }

    /// Scaled pixels of every JSON example (an array of numbers, nested or flat, or `{"pixels": [...]}`).
    private func jsonPixels(_ url: URL) throws(PredictionError) -> [Float] {
        let examples = try JSONExamples.read(url, singleExampleSize: pixelCount)
        guard !examples.isEmpty else { throw .empty(path: url.path) }
        var out: [Float] = []
        out.reserveCapacity(examples.count * pixelCount)
        for example in examples {
            var value = example.value
            if let object = value as? [String: Any] {
                guard let pixels = object["pixels"] else {
                    throw .invalidValue(path: url.path, location: example.location,
                                        reason: "an object needs a \"pixels\" array (found keys \(object.keys.sorted()))")
                }
                value = pixels
            }
            guard let numbers = JSONExamples.flattenedNumbers(value), value is [Any] else {
                throw .invalidValue(path: url.path, location: example.location, reason: "expected an array of pixel values (numbers 0–255)")
            }
            guard numbers.count == pixelCount else {
                throw .wrongSize(path: url.path, location: example.location, expected: pixelCount, actual: numbers.count,
                                 what: "pixels (an image of shape \(inputShape))")
            }
            for (i, v) in numbers.enumerated() {
                guard v.isFinite, v >= 0, v <= 255 else {
                    throw .invalidValue(path: url.path, location: example.location, reason: "pixel \(i) is \(v); pixel values are 0–255")
                }
                out.append(Float(v / 255))
            }
        }
        return out
    }

    /// Scaled pixels of an IDX image file `[N, H, W]` of unsigned bytes.
    private func idxPixels(_ url: URL) throws -> [Float] {
        let file: IDXFile
        do { file = try IDXFile(contentsOf: url) } catch {
            throw PredictionError.unreadableInput(path: url.path, reason: "\(error)")
        }
        guard let bytes = file.uint8Values, file.shape.count == 3 || file.shape.count == 4 else {
            throw PredictionError.unreadableInput(path: url.path, reason: "expected unsigned-byte images of shape [N, height, width], "
                                                  + "found \(file.elementType) of shape \(file.shape)")
        }
        guard file.shape[0] > 0 else { throw PredictionError.empty(path: url.path) }
        let perImage = file.count / file.shape[0]
        guard perImage == pixelCount else {
            throw PredictionError.wrongSize(path: url.path, location: "images of shape \(Array(file.shape.dropFirst()))",
                                            expected: pixelCount, actual: perImage, what: "pixels per image (the model takes \(inputShape))")
        }
        return bytes.map { Float($0) / 255 }
    }
}
