import Foundation
import SynapseCore
import SynapseData
import SynapseEval
import SynapseNN
import SynapseONNX

/// Predicts with an image classifier (`mlp`, `cnn`): pixels 0–255 from JSON or IDX files, or PNG/JPEG
/// files (one, or a directory of them), prepared as the training images were — scaled to [0, 1],
/// shaped as the recorded `input_shape`; for a run on an image folder, resized, converted to its
/// colour layout and normalised with the training split's mean and standard deviation.
struct ImagePredictor: Predictor {
    let model: any Layer
    let inputShape: [Int]
    let classNames: [String]
    var modelDescription: String
    let batchSize: Int
    /// The training split's per-channel statistics (runs on an image folder); nil for the built-in
    /// datasets, whose loaders feed pixels in [0, 1] as they are.
    var normalization: ImageNormalization? = nil
    /// The calibration applied to the class probabilities (`synapse calibrate`), if any.
    var calibration: LogitCalibration? = nil
    /// The data's name: the built-in dataset, or the image folder of a run on one.
    var datasetName = ""

    func calibrated(forWeights weights: URL) throws -> any Predictor {
        guard let file = try CalibrationFile.calibration(forWeights: weights, classCount: classNames.count) else { return self }
        var calibrated = self
        calibrated.calibration = file.calibration
        calibrated.modelDescription += ", calibrated (\(file.calibration.summary))"
        return calibrated
    }

    /// Rebuilds the classifier recorded in `meta` for `dataset` and loads the weights.
    static func load(weights: URL, meta: WeightsMetadata, dataset: ImageDatasetChoice, batchSize: Int) throws -> ImagePredictor {
        guard let name = meta.optionalString("model"), let kind = ImageClassifierKind(rawValue: name) else {
            throw PredictionError.unsupportedModel(path: weights.path, reason: "metadata model is "
                + "\(meta.optionalString("model").map { "'\($0)'" } ?? "missing"); expected an image classifier (\(ImageClassifierKind.allCases.map(\.rawValue).joined(separator: ", ")))")
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
                              modelDescription: "\(name) on \(dataset.rawValue)", batchSize: batchSize,
                              datasetName: dataset.rawValue)
    }

    /// An ONNX graph as the classifier: one input declared [batch, C, H, W] (C 1 or 3), fed the
    /// images as `dataset`'s loader feeds them; its first output is read as the class logits.
    static func loadONNX(weights: URL, dataset: ImageDatasetChoice, batchSize: Int) throws -> ImagePredictor {
        let model = try ONNXModel(contentsOf: weights)
        let declared = model.inputNames.map { model.declaredInputShapes[$0] ?? [] }
        guard declared.count == 1, declared[0].count == 4, let c = declared[0][1], let h = declared[0][2], let w = declared[0][3],
              c == 1 || c == 3 else {
            throw PredictionError.unsupportedModel(path: weights.path, reason: "the graph's inputs \(model.inputNames) declare "
                + "\(declared.map { "[" + $0.map { $0.map(String.init) ?? "?" }.joined(separator: ", ") + "]" }); expected one "
                + "image input [batch, channels (1 or 3), height, width]")
        }
        return ImagePredictor(model: model, inputShape: [c, h, w], classNames: dataset.classNames,
                              modelDescription: "ONNX graph on \(dataset.rawValue) images", batchSize: batchSize,
                              datasetName: dataset.rawValue)
    }

    /// Rebuilds a classifier trained on an image folder (`synapse train --images`) from the
    /// preprocessing its metadata records: `class_names`, `image_size`, `channels`, `mean`, `std`.
    static func loadFolderRun(weights: URL, meta: WeightsMetadata, batchSize: Int) throws -> ImagePredictor {
        func invalid(_ key: String, _ reason: String) -> PipelineError {
            .invalidRun(path: weights.path, reason: "metadata '\(key)' \(reason)")
        }
        func jsonArray<T>(_ key: String, as type: T.Type) throws -> [T] {
            guard let text = meta.optionalString(key) else { throw invalid(key, "is missing") }
            guard let value = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [T], !value.isEmpty else {
                throw invalid(key, "is '\(text.prefix(80))'; expected a JSON array")
            }
            return value
        }
        guard let name = meta.optionalString("model"), let kind = ImageClassifierKind(rawValue: name) else {
            throw PredictionError.unsupportedModel(path: weights.path, reason: "metadata model is "
                + "\(meta.optionalString("model").map { "'\($0)'" } ?? "missing"); expected an image classifier (\(ImageClassifierKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let classNames = try jsonArray("class_names", as: String.self)
        let channels = try meta.integer("channels", in: 1...3)
        guard channels == 1 || channels == 3 else { throw invalid("channels", "is \(channels); expected 1 or 3") }
        let sizeText = meta.optionalString("image_size") ?? ""
        let sides = sizeText.split(separator: "x").compactMap { Int($0) }
        guard sides.count == 2, sides.allSatisfy({ (1...ImageFolder.maxSide).contains($0) }) else {
            throw invalid("image_size", "is '\(sizeText)'; expected HxW with sides from 1 to \(ImageFolder.maxSide)")
        }
        let mean = try jsonArray("mean", as: Double.self), std = try jsonArray("std", as: Double.self)
        guard mean.count == channels, std.count == channels, std.allSatisfy({ $0.isFinite && $0 > 0 }), mean.allSatisfy(\.isFinite) else {
            throw invalid("mean", "and 'std' must hold \(channels) finite value(s) each, std positive")
        }
        let architecture = try ImageClassifierArchitecture.read(meta, kind: kind, inputShape: [channels, sides[0], sides[1]],
                                                                classes: classNames.count)
        let model = try architecture.make(generator: RandomGenerator(seed: 0), source: weights.path)
        do { try model.load(from: weights) } catch {
            throw PipelineError.invalidRun(path: weights.path, reason: "does not hold the \(name) its metadata describes: \(error)")
        }
        let folder = meta.optionalString("dataset") ?? "an image folder"
        return ImagePredictor(model: model, inputShape: architecture.inputShape, classNames: classNames,
                              modelDescription: "\(name) on \(folder)", batchSize: batchSize,
                              normalization: ImageNormalization(mean: mean.map(Float.init), std: std.map(Float.init)), datasetName: folder)
    }

    /// Pixels per image.
    var pixelCount: Int { inputShape.reduce(1, *) }

    func predict(_ input: PredictionInput) throws -> PredictionResult {
        let (features, files) = try modelInputs(input)
        let logits = batchedOutputs(model, features: features, batchSize: batchSize)
        var predictions = classPredictions(logits, classNames: classNames, calibration: calibration)
        if let files { for i in predictions.indices { predictions[i].file = files[i] } }
        return PredictionResult(classNames: classNames, predictions: predictions, modelDescription: modelDescription)
    }

    func modelInputs(_ input: PredictionInput) throws -> (features: Tensor, files: [String]?) {
        let pixels: [Float]
        var files: [String]? = nil
        switch input {
        case .json(let url): pixels = try jsonPixels(url)
        case .idx(let url): pixels = try idxPixels(url)
        case .csv(let url):
            throw PredictionError.unsupportedInput(path: url.path, reason: "an image classifier takes image files, JSON pixel arrays "
                                                   + "or an IDX image file, not CSV")
        case .image(let url):
            pixels = try imagePixels(url)
            files = [url.path]
        case .imageDirectory(let url):
            let relative = ImageFolder.imageFiles(in: url, relativeTo: "", depth: 0).map { String($0.dropFirst()) }
            guard !relative.isEmpty else { throw PredictionError.empty(path: url.path) }
            var all: [Float] = []
            all.reserveCapacity(relative.count * pixelCount)
            for file in relative { all += try imagePixels(url.appendingPathComponent(file)) }
            pixels = all
            files = relative
        }
        let n = pixels.count / pixelCount
        var features = Tensor(shape: [n] + inputShape, scalars: pixels)
        if let normalization { features = normalization.apply(to: features) }
        return (features, files)
    }

    /// One PNG or JPEG file prepared as the training images: resized to the model's input size
    /// (Pillow's antialiased bilinear filter), converted to its channels, values in [0, 1].
    private func imagePixels(_ url: URL) throws -> [Float] {
        let image: DecodedImage
        do { image = try ImageDecoder.decode(contentsOf: url) } catch {
            throw PredictionError.unreadableInput(path: url.path, reason: error.description)
        }
        let color: ImageColor = inputShape[0] == 1 ? .gray : .rgb
        return ImageFolder.examplePixels(of: image, height: inputShape[1], width: inputShape[2], color: color)
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
