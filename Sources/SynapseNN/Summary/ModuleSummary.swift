import Foundation
import SynapseCore

/// What `Module.summary(input:)` measured: one row per module call of a forward pass, in execution
/// order with its nesting depth (containers included), and the model's parameter totals, like
/// torchinfo's `summary` or Keras' `model.summary()`.
///
/// `description` is the table; the type is `Codable` with snake_case keys for JSON output.
public struct ModuleSummary: Sendable, Equatable, Codable, CustomStringConvertible {
    /// One module call.
    public struct Row: Sendable, Equatable, Codable {
        /// The module's state-dict path (`layers.0`, `blocks.1.qkv`); empty for the summarised
        /// module itself, and for modules that are not among its descendants.
        public var name: String
        /// The module's type name (`Linear`, `Sequential`, `MLPClassifier`).
        public var type: String
        /// Nesting depth: 0 for the summarised module, 1 for the modules it calls, and so on.
        public var depth: Int
        /// Shapes of the tensors the call returned (one for most layers; an LSTM returns its output,
        /// hidden and cell state).
        public var outputShapes: [[Int]]
        /// Parameters of the module and its descendants (a container's row holds its children's).
        public var parameterCount: Int

        /// A row.
        public init(name: String, type: String, depth: Int, outputShapes: [[Int]], parameterCount: Int) {
            self.name = name
            self.type = type
            self.depth = depth
            self.outputShapes = outputShapes
            self.parameterCount = parameterCount
        }

        enum CodingKeys: String, CodingKey {
            case name, type, depth, outputShapes = "output_shapes", parameterCount = "parameters"
        }
    }

    /// The module calls, in the order they began.
    public var rows: [Row]
    /// Shapes of the inputs the forward pass was given.
    public var inputShapes: [[Int]]
    /// All parameters of the model, each counted once (`Module.parameterCount`).
    public var totalParameters: Int
    /// Parameters that training updates. Every `Parameter` requires gradients, so this equals
    /// `totalParameters`; it is listed because torchinfo and Keras list it.
    public var trainableParameters: Int
    /// Scalars held in buffers (batch-norm running statistics, fixed positional tables).
    public var bufferElements: Int
    /// Size of the parameters and buffers in megabytes (10^6 bytes) at 4 bytes per Float32 value:
    /// the size of the state dict saved as Float32 safetensors, without its header.
    public var sizeInMegabytes: Double {
        Double(totalParameters + bufferElements) * Double(MemoryLayout<Float>.size) / 1_000_000
    }

    /// A summary of the given rows and totals.
    public init(rows: [Row], inputShapes: [[Int]], totalParameters: Int, trainableParameters: Int, bufferElements: Int) {
        self.rows = rows
        self.inputShapes = inputShapes
        self.totalParameters = totalParameters
        self.trainableParameters = trainableParameters
        self.bufferElements = bufferElements
    }

    enum CodingKeys: String, CodingKey {
        case rows = "layers", inputShapes = "input_shapes", totalParameters = "total_parameters",
             trainableParameters = "trainable_parameters", bufferElements = "buffer_elements", sizeInMegabytes = "size_mb"
    }

    /// Decodes a summary encoded by `encode(to:)` (`size_mb` is derived, so it is not read back).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        rows = try c.decode([Row].self, forKey: .rows)
        inputShapes = try c.decode([[Int]].self, forKey: .inputShapes)
        totalParameters = try c.decode(Int.self, forKey: .totalParameters)
        trainableParameters = try c.decode(Int.self, forKey: .trainableParameters)
        bufferElements = try c.decode(Int.self, forKey: .bufferElements)
    }

    /// Encodes the rows and totals, with `size_mb`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(rows, forKey: .rows)
        try c.encode(inputShapes, forKey: .inputShapes)
        try c.encode(totalParameters, forKey: .totalParameters)
        try c.encode(trainableParameters, forKey: .trainableParameters)
        try c.encode(bufferElements, forKey: .bufferElements)
        try c.encode((sizeInMegabytes * 1_000).rounded() / 1_000, forKey: .sizeInMegabytes)
    }

    /// The table: one line per call, indented by depth, with output shapes and parameter counts,
    /// then the totals.
    public var description: String {
        let labels = rows.map { row in
            String(repeating: "  ", count: row.depth) + (row.name.isEmpty ? row.type : "\(row.name) (\(row.type))")
        }
        let shapes = rows.map { $0.outputShapes.map(Self.format(shape:)).joined(separator: ", ") }
        let counts = rows.map { Self.grouped($0.parameterCount) }
        let header = ("Layer (type)", "Output shape", "Params")
        let w0 = max(header.0.count, labels.map(\.count).max() ?? 0)
        let w1 = max(header.1.count, shapes.map(\.count).max() ?? 0)
        let w2 = max(header.2.count, counts.map(\.count).max() ?? 0)
        func line(_ a: String, _ b: String, _ c: String) -> String {
            a.padding(toLength: w0, withPad: " ", startingAt: 0) + "  " + b.padding(toLength: w1, withPad: " ", startingAt: 0)
                + "  " + String(repeating: " ", count: w2 - c.count) + c
        }
        let rule = String(repeating: "=", count: w0 + w1 + w2 + 4)
        var out = [rule, line(header.0, header.1, header.2), rule]
        for i in rows.indices { out.append(line(labels[i], shapes[i], counts[i])) }
        out += [rule,
                "Input shape: " + inputShapes.map(Self.format(shape:)).joined(separator: ", "),
                "Total params: \(Self.grouped(totalParameters))",
                "Trainable params: \(Self.grouped(trainableParameters))",
                "Non-trainable params: \(Self.grouped(totalParameters - trainableParameters))",
                "Buffer elements: \(Self.grouped(bufferElements))",
                "Params and buffers size (MB): " + String(format: "%.2f", sizeInMegabytes),
                rule]
        return out.joined(separator: "\n")
    }

    /// `[2, 10]`.
    static func format(shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }

    /// `535,818`.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }
}
