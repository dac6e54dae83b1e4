import Foundation
import SwiftProtobuf

/// Reads and writes ONNX model files (`.onnx`: one `ModelProto` message). Reading is hardened for
/// untrusted files: a size limit before decoding, a nesting limit inside the decoder, and typed errors
/// for every failure; writing goes through `AtomicFile`, so an interrupted export leaves no partial file.
package enum ONNXModelFile {
    /// Files larger than this are refused before any decoding: protobuf's 2 GiB message limit, which
    /// is also ONNX's (larger models keep their weights as external data, which Synapse refuses).
    package static let maximumBytes = Int(Int32.max)

    /// Decodes the model in `path`.
    package static func read(at path: String) throws(ONNXError) -> Onnx_ModelProto {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            if (attributes[.type] as? FileAttributeType) == .typeDirectory {
                throw ONNXError.unreadable(path: path, reason: "it is a directory")
            }
            if let size = attributes[.size] as? Int, size > maximumBytes {
                throw ONNXError.malformed(path: path, reason: "\(size) bytes is beyond protobuf's 2 GiB limit")
            }
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch let error as ONNXError {
            throw error
        } catch {
            throw .unreadable(path: path, reason: FileSystemReason.describe(error))
        }
        return try decode(data, path: path)
    }

    /// Decodes a model from `data`; `path` names the source in errors.
    package static func decode(_ data: Data, path: String) throws(ONNXError) -> Onnx_ModelProto {
        guard !data.isEmpty else { throw .malformed(path: path, reason: "the file is empty") }
        var options = BinaryDecodingOptions()
        // Graphs nest through subgraph attributes (If/Loop); real models stay far below this, and
        // the limit turns a recursion bomb into an error instead of a stack overflow.
        options.messageDepthLimit = 64
        let model: Onnx_ModelProto
        do {
            model = try Onnx_ModelProto(serializedBytes: data, options: options)
        } catch {
            throw .malformed(path: path, reason: "protobuf decoding failed (\(error))")
        }
        guard model.hasGraph else { throw .malformed(path: path, reason: "no graph (ModelProto.graph is missing)") }
        guard model.hasIrVersion, model.irVersion >= 3 else {
            throw .malformed(path: path, reason: "IR version \(model.irVersion) is missing or older than 3")
        }
        return model
    }

    /// Encodes `model` and writes it to `path` atomically.
    package static func write(_ model: Onnx_ModelProto, to path: String) throws(ONNXError) {
        let data: Data
        do {
            data = try model.serializedData()
        } catch {
            throw .malformed(path: path, reason: "protobuf encoding failed (\(error))")
        }
        do {
            try AtomicFile.write(data, to: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: error.description)
        }
    }

    /// The opset version the model imports for the default ONNX domain (`""` or `ai.onnx`), or nil.
    package static func defaultOpsetVersion(of model: Onnx_ModelProto) -> Int64? {
        model.opsetImport.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }?.version
    }
}
