import Foundation
import SynapseCore
import SynapseIO
import SynapseModels
import SynapseNN
import SynapseONNX

extension WeightsExport {
    /// Rebuilds the model the weights' metadata describes (image classifier, tabular MLP or
    /// language model), loads the weights and writes it as an ONNX graph (opset 17, dynamic batch):
    /// image models take `input` [batch, C, H, W] floats in [0, 1] (normalised for image-folder runs as
    /// their metadata records), tabular models the preprocessed features [batch, F], language models
    /// token ids [batch, context] (int64); `output` holds the logits (or regression values).
    func exportONNX() throws(ExportError) -> Result {
        let (model, inputShape) = try modelAndInputShape()
        do {
            try ONNXExporter.export(model, inputShape: inputShape, producerVersion: producerVersion, to: output.path)
        } catch {
            switch error {
            case .unreadable(_, let reason): throw .writeFailed(path: output.path, reason: reason)
            default: throw .formatNotSupported(format: "onnx", reason: error.description)
            }
        }
        let attributes = try? FileManager.default.attributesOfItem(atPath: output.path)
        return Result(tensorCount: model.stateDict().count, bytes: attributes?[.size] as? Int ?? 0, companions: [])
    }

    /// The saved model and the shape of one example batch (batch 1) it takes.
    private func modelAndInputShape() throws(ExportError) -> (Module, [Int]) {
        do {
            let archive = try SafeTensors.load(from: weights)
            let meta = WeightsMetadata(archive.metadata, path: weights.path)
            if let (model, architecture) = try LanguageModelArchitecture.loadSaved(weights, meta: meta) {
                return (model, [1, architecture.context])
            }
            switch try PredictionJob(weights: weights).loadModelPredictor() {
            case let p as ImagePredictor: return (p.model, [1] + p.inputShape)
            case let p as TabularPredictor: return (p.model, [1, p.model.inputSize])
            default: throw PredictionError.unsupportedModel(path: weights.path, reason: "no architecture to export")
            }
        } catch let error as ExportError {
            throw error
        } catch {
            throw .unreadableWeights(path: weights.path, reason: "\(error)")
        }
    }
}
