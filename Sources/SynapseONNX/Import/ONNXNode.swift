import SynapseCore
import SynapseIO

/// One node of an imported graph with its attributes decoded into a dictionary, and the helpers
/// every operator uses to read them and to report a problem naming the node.
struct ONNXNode {
    /// The node as stored in the file.
    let proto: Onnx_NodeProto
    /// Attributes by name.
    let attributes: [String: Onnx_AttributeProto]
    /// Its position in the file (names errors of unnamed nodes).
    let index: Int

    init(_ proto: Onnx_NodeProto, index: Int) {
        self.proto = proto
        self.index = index
        var attributes: [String: Onnx_AttributeProto] = [:]
        for a in proto.attribute { attributes[a.name] = a }
        self.attributes = attributes
    }

    /// The operator type (`Conv`, `Gemm`, ...).
    var op: String { proto.opType }

    /// How errors name the node: its name (or position) and operator.
    var label: String { "node '\(proto.name.isEmpty ? "#\(index)" : proto.name)' (\(op))" }

    /// An `ONNXError.invalidGraph` naming this node.
    func error(_ reason: String) -> ONNXError { .invalidGraph(reason: "\(label): \(reason)") }

    /// An integer attribute, or `defaultValue` when absent.
    func int(_ name: String, _ defaultValue: Int) throws(ONNXError) -> Int {
        guard let a = attributes[name] else { return defaultValue }
        guard a.type == .int || a.type == .undefined else { throw error("attribute '\(name)' must be an integer") }
        guard let v = Int(exactly: a.i) else { throw error("attribute '\(name)' is out of range") }
        return v
    }

    /// An integer-list attribute, or nil when absent.
    func ints(_ name: String) throws(ONNXError) -> [Int]? {
        guard let a = attributes[name] else { return nil }
        guard a.type == .ints || a.type == .undefined else { throw error("attribute '\(name)' must be a list of integers") }
        return a.ints.map { Int($0) }
    }

    /// A float attribute, or `defaultValue` when absent.
    func float(_ name: String, _ defaultValue: Float) throws(ONNXError) -> Float {
        guard let a = attributes[name] else { return defaultValue }
        guard a.type == .float || a.type == .undefined else { throw error("attribute '\(name)' must be a float") }
        return a.f
    }

    /// A string attribute, or `defaultValue` when absent.
    func string(_ name: String, _ defaultValue: String) throws(ONNXError) -> String {
        guard let a = attributes[name] else { return defaultValue }
        guard a.type == .string || a.type == .undefined else { throw error("attribute '\(name)' must be a string") }
        return String(decoding: a.s, as: UTF8.self)
    }

    /// A list-of-strings attribute, or nil when absent.
    func strings(_ name: String) throws(ONNXError) -> [String]? {
        guard let a = attributes[name] else { return nil }
        guard a.type == .strings || a.type == .undefined else { throw error("attribute '\(name)' must be a list of strings") }
        return a.strings.map { String(decoding: $0, as: UTF8.self) }
    }

    /// A tensor attribute decoded, or nil when absent.
    func tensor(_ name: String) throws(ONNXError) -> ONNXTensorValues? {
        guard let a = attributes[name] else { return nil }
        guard a.type == .tensor || a.type == .undefined, a.hasT else { throw error("attribute '\(name)' must be a tensor") }
        let values = try a.t.decodedValues()
        guard values.shape.allSatisfy({ $0 <= ONNXShapeChecks.maximumElementCount }) else {
            throw error("attribute '\(name)' has a dimension beyond \(ONNXShapeChecks.maximumElementCount) in shape \(values.shape)")
        }
        return values
    }

    /// An axis attribute or value normalised into `0..<rank` (negative counts from the end).
    func axis(_ axis: Int, rank: Int, what: String = "axis") throws(ONNXError) -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a < rank else { throw error("\(what) \(axis) is out of range for rank \(rank)") }
        return a
    }
}
