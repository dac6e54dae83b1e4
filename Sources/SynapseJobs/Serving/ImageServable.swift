import Foundation
import SynapseCore
import SynapseEval
import SynapseData
import SynapseNN

/// A served image classifier: instances are base64 PNG/JPEG images (a string, optionally a
/// `data:image/...;base64,` URL, or `{"b64": "..."}`) or pixels 0–255 (nested or flat arrays, or
/// `{"pixels": [...]}`), prepared exactly as `synapse predict` prepares image files and pixel arrays.
///
/// `@unchecked Sendable`: the model is loaded, put in evaluation mode and then only read; forward
/// passes without gradients write no shared state, so batches may run on several threads at once.
final class ImageServable: ServableModel, @unchecked Sendable {
    let model: any Layer
    let inputShape: [Int]
    let classNames: [String]
    let normalization: ImageNormalization?
    /// The calibration of the class probabilities (`synapse calibrate`), if any.
    let calibration: LogitCalibration?
    /// The input as channels × height × width (a flat input of n values is 1 × 1 × n).
    let channels: Int, height: Int, width: Int
    let info: ServableModelInfo
    /// The largest encoded image accepted (decoded size is bounded by the decoder too).
    static let maxEncodedBytes = 16 << 20

    init(_ predictor: ImagePredictor) {
        model = predictor.model
        model.eval()
        inputShape = predictor.inputShape
        classNames = predictor.classNames
        normalization = predictor.normalization
        calibration = predictor.calibration
        let shape = inputShape
        (channels, height, width) = shape.count >= 3 ? (shape[0], shape[1], shape[2])
            : shape.count == 2 ? (1, shape[0], shape[1]) : (1, 1, shape.first ?? 1)
        let drift = ["mean_intensity", "std_intensity"] + (channels > 1 ? (0..<channels).map { "channel_\($0)_mean" } : [])
        info = ServableModelInfo(task: .classification,
                                 inputSchema: .image(channels: channels, height: height, width: width),
                                 classNames: classNames, modelDescription: predictor.modelDescription,
                                 rowWidth: inputShape.reduce(1, *), driftFeatureNames: drift)
    }

    func prepare(_ instance: Any, index: Int) throws(InstanceError) -> [Float] {
        var value = instance
        var field = "instance"
        if JSONExamples.isObject(instance), let object = instance as? [String: Any] {
            if let b64 = object["b64"] {
                value = b64
                field = "b64"
            } else if let pixels = object["pixels"] {
                value = pixels
                field = "pixels"
            } else {
                throw InstanceError(index: index, field: "instance",
                                    reason: "an image object needs \"b64\" (a base64 PNG/JPEG) or \"pixels\" (found keys \(object.keys.sorted()))")
            }
        }
        var pixels: [Float]
        if JSONExamples.isString(value), let text = value as? String {
            pixels = try decodeImage(text, index: index, field: field == "instance" ? "instance" : field)
        } else if JSONExamples.number(value) == nil, let numbers = JSONExamples.flattenedNumbers(value) {
            pixels = try scaledPixels(numbers, index: index, field: field)
        } else {
            throw InstanceError(index: index, field: field, reason: "expected a base64 PNG/JPEG string or an array of "
                                + "\(info.rowWidth) pixel values 0–255, flat or nested as rectangular rows (an image of shape \(inputShape))")
        }
        if let normalization { normalize(&pixels, normalization) }
        return pixels
    }

    func predict(rows: [Float], count: Int) -> [ServedPrediction] {
        servedClassPredictions(servingOutputs(model, rows: rows, count: count, inputShape: inputShape), classNames: classNames,
                               calibration: calibration)
    }

    func driftFeatures(of row: ArraySlice<Float>) -> [Double] {
        let whole = meanAndStd(row)
        guard channels > 1 else { return [whole.mean, whole.std] }
        let plane = row.count / channels
        return [whole.mean, whole.std] + (0..<channels).map { c in
            meanAndStd(row[(row.startIndex + c * plane)..<(row.startIndex + (c + 1) * plane)]).mean
        }
    }

    /// Pixels 0–255 scaled to [0, 1], checked for count and range.
    private func scaledPixels(_ numbers: [Double], index: Int, field: String) throws(InstanceError) -> [Float] {
        guard numbers.count == info.rowWidth else {
            throw InstanceError(index: index, field: field, reason: "holds \(numbers.count) pixel values; the model takes "
                                + "\(info.rowWidth) (an image of shape \(inputShape))")
        }
        var out = [Float](repeating: 0, count: numbers.count)
        for (i, v) in numbers.enumerated() {
            guard v.isFinite, v >= 0, v <= 255 else {
                throw InstanceError(index: index, field: field, reason: "pixel \(i) is \(v); pixel values are 0–255")
            }
            out[i] = Float(v / 255)
        }
        return out
    }

    /// A base64 PNG or JPEG (optionally a data URL) decoded and resized to the model's input.
    private func decodeImage(_ text: String, index: Int, field: String) throws(InstanceError) -> [Float] {
        var payload = Substring(text)
        if payload.hasPrefix("data:"), let comma = payload.firstIndex(of: ",") { payload = payload[payload.index(after: comma)...] }
        guard payload.utf8.count <= Self.maxEncodedBytes * 4 / 3 + 4 else {
            throw InstanceError(index: index, field: field, reason: "the encoded image is larger than \(Self.maxEncodedBytes >> 20) MiB")
        }
        guard let data = Data(base64Encoded: String(payload), options: .ignoreUnknownCharacters), !data.isEmpty else {
            throw InstanceError(index: index, field: field, reason: "is not base64 (expected a base64-encoded PNG or JPEG file)")
        }
        let image: DecodedImage
        do { image = try ImageDecoder.decode([UInt8](data), path: "instance \(index)") } catch {
            throw InstanceError(index: index, field: field, reason: error.description)
        }
        let color: ImageColor = channels == 1 ? .gray : .rgb
        return ImageFolder.examplePixels(of: image, height: height, width: width, color: color)
    }

    /// Per-channel normalisation of one `[C, H, W]` row, as `ImageNormalization.apply` does a batch.
    private func normalize(_ pixels: inout [Float], _ n: ImageNormalization) {
        let plane = pixels.count / channels
        for i in pixels.indices {
            let c = i / plane
            pixels[i] = (pixels[i] - n.mean[c]) / n.std[c]
        }
    }
}
