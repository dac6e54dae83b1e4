/// An ONNX file or graph that Synapse cannot read, write, import or export, with the reason.
public enum ONNXError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file cannot be read or written (missing, a directory, permissions, disk full).
    case unreadable(path: String, reason: String)
    /// The bytes are not a valid ONNX model (protobuf decoding failed, sizes beyond limits, a
    /// required field missing).
    case malformed(path: String, reason: String)
    /// A tensor (initializer, constant or attribute) that cannot become a Synapse tensor: an
    /// unsupported element type, data stored outside the file, or values that disagree with the shape.
    case badTensor(name: String, reason: String)
    /// Operators the importer does not implement, every one of them listed once (`domain::Op` for
    /// operators outside the default domain), so a user sees the whole gap at once.
    case unsupportedOperators([String])
    /// A module that the exporter cannot express as ONNX, named by its type and state-dict path.
    case unsupportedModule(type: String, path: String)
    /// A graph that is structurally invalid for the importer or the exporter: an input never
    /// produced, an attribute of the wrong kind, an opset outside the supported range.
    case invalidGraph(reason: String)

    /// The message shown to the user.
    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): cannot read the ONNX file: \(reason)"
        case .malformed(let path, let reason): "\(path): not a valid ONNX model: \(reason)"
        case .badTensor(let name, let reason): "ONNX tensor '\(name)': \(reason)"
        case .unsupportedOperators(let ops):
            "the ONNX graph uses operators Synapse cannot import: \(ops.joined(separator: ", "))"
        case .unsupportedModule(let type, let path):
            "cannot export \(type)\(path.isEmpty ? "" : " at '\(path)'") to ONNX: no ONNX conversion for this module type "
                + "(conform it to ONNXExportable)"
        case .invalidGraph(let reason): "invalid ONNX graph: \(reason)"
        }
    }
}
