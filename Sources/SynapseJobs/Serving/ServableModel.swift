import Foundation
import SynapseCore

/// What a served model does with a request's instances.
public enum ServedTask: String, Sendable, Equatable {
    /// Class probabilities and the likeliest class (`{"class": 3, "probabilities": [...], "label": "Dress"}`).
    case classification
    /// One or more values in the target's units (`{"value": 151.2}`).
    case regression
    /// Text continued from a prompt (`:generate`); no `:predict`.
    case generation
}

/// The input one instance of a request must be, as `GET /v1/models/{name}` reports it.
public enum ServingInputSchema: Sendable, Equatable {
    /// A tabular row: an object keyed by column name, or an array in column order.
    case tabular(columns: [ServingColumn])
    /// An image: base64 PNG/JPEG (`{"b64": "..."}` or a string), or nested arrays of pixels 0–255
    /// of `channels × height × width` values.
    case image(channels: Int, height: Int, width: Int)
    /// The last `length` values of a series (an array of numbers).
    case window(length: Int)
    /// Text for a language model: a prompt of characters its vocabulary holds.
    case text(vocabularySize: Int, context: Int?)

    /// The schema as a JSON object (for `GET /v1/models/{name}`).
    public var jsonObject: [String: Any] {
        switch self {
        case .tabular(let columns):
            return ["kind": "tabular", "columns": columns.map(\.jsonObject)]
        case .image(let c, let h, let w):
            return ["kind": "image", "channels": c, "height": h, "width": w,
                    "encodings": ["png", "jpeg", "pixels"]]
        case .window(let n):
            return ["kind": "window", "length": n]
        case .text(let v, let context):
            var o: [String: Any] = ["kind": "text", "vocabulary_size": v]
            if let context { o["context"] = context }
            return o
        }
    }
}

/// One column of a tabular model's input.
public struct ServingColumn: Sendable, Equatable {
    /// The column's name in the training data.
    public var name: String
    /// True for numbers, false for categories.
    public var numeric: Bool
    /// The categories seen in training (categorical columns; others map to "unknown").
    public var categories: [String]

    /// A column.
    public init(name: String, numeric: Bool, categories: [String] = []) {
        self.name = name
        self.numeric = numeric
        self.categories = categories
    }

    /// The column as a JSON object.
    public var jsonObject: [String: Any] {
        var o: [String: Any] = ["name": name, "type": numeric ? "number" : "category"]
        if !numeric { o["categories"] = categories }
        return o
    }
}

/// Why one instance of a request was refused: which instance, which field, and why. The server
/// answers it as a 400 with these fields.
public struct InstanceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The instance's position in `instances`, from 0.
    public var index: Int
    /// The offending field ("sepal_length", "pixels", "b64", "instance").
    public var field: String
    /// What is wrong and what was expected.
    public var reason: String

    /// An error.
    public init(index: Int, field: String, reason: String) {
        self.index = index
        self.field = field
        self.reason = reason
    }

    /// "instance 2, field 'age': expected a number, found \"abc\"".
    public var description: String { "instance \(index), field '\(field)': \(reason)" }
}

/// One served prediction.
public struct ServedPrediction: Sendable, Equatable {
    /// The likeliest class (classifiers).
    public var classIndex: Int?
    /// Its name, where the model has class names.
    public var label: String?
    /// Class probabilities in class order (classifiers).
    public var probabilities: [Double]
    /// Predicted values in the target's units (regressors, forecasters).
    public var values: [Double]

    /// A prediction.
    public init(classIndex: Int? = nil, label: String? = nil, probabilities: [Double] = [], values: [Double] = []) {
        self.classIndex = classIndex
        self.label = label
        self.probabilities = probabilities
        self.values = values
    }

    /// The prediction as the API writes it: `{"class", "probabilities", "label"}` or `{"value"}`
    /// (`{"values"}` for several outputs).
    public var jsonObject: [String: Any] {
        if let classIndex {
            var o: [String: Any] = ["class": classIndex, "probabilities": probabilities]
            if let label { o["label"] = label }
            return o
        }
        return values.count == 1 ? ["value": values[0]] : ["values": values]
    }
}

/// What a served model is, for the model endpoints and the logs.
public struct ServableModelInfo: Sendable {
    /// Its task.
    public var task: ServedTask
    /// What one instance must be.
    public var inputSchema: ServingInputSchema
    /// Class names in probability order (classifiers), empty otherwise.
    public var classNames: [String]
    /// A one-line description ("mlp on fashion-mnist").
    public var modelDescription: String
    /// Numbers per prepared row (what `prepare` returns for one instance).
    public var rowWidth: Int
    /// Names of the features the drift monitor watches (`driftFeatures(of:)`), in order.
    public var driftFeatureNames: [String]

    /// A description.
    public init(task: ServedTask, inputSchema: ServingInputSchema, classNames: [String], modelDescription: String,
                rowWidth: Int, driftFeatureNames: [String]) {
        self.task = task
        self.inputSchema = inputSchema
        self.classNames = classNames
        self.modelDescription = modelDescription
        self.rowWidth = rowWidth
        self.driftFeatureNames = driftFeatureNames
    }
}

/// A model ready to answer prediction requests: a loaded classifier or regressor with its input
/// validation and preprocessing.
///
/// Serving splits a request in two so that requests can be batched: `prepare` validates one
/// instance and turns it into the model's input row (called per request, concurrently), and
/// `predict` runs the model once on the rows of many requests laid end to end (called by the
/// batcher off the event loop). `predict` may run on several threads at once.
public protocol ServableModel: AnyObject, Sendable {
    /// What the model is and takes.
    var info: ServableModelInfo { get }

    /// One instance of a request — a value parsed from JSON by `JSONSerialization` (objects are
    /// `[String: Any]`, arrays `[Any]`, numbers `NSNumber`, `NSNull` for null) — checked against
    /// the input schema and prepared as the training inputs were: `info.rowWidth` numbers.
    /// - Throws: `InstanceError` naming the instance `index`, the field and the reason.
    func prepare(_ instance: Any, index: Int) throws(InstanceError) -> [Float]

    /// Predictions for `count` prepared rows laid end to end in `rows` (`count × info.rowWidth`
    /// numbers), in order.
    func predict(rows: [Float], count: Int) -> [ServedPrediction]

    /// The values the drift monitor compares with the training profile for one prepared row, in
    /// `info.driftFeatureNames` order.
    func driftFeatures(of row: ArraySlice<Float>) -> [Double]
}

/// Options of one `:generate` request.
public struct GenerationRequest: Sendable, Equatable {
    /// The text to continue.
    public var prompt: String
    /// Characters (tokens) to generate.
    public var maxTokens: Int
    /// Sampling temperature (> 0).
    public var temperature: Double
    /// Sample only from the k likeliest tokens; nil for all.
    public var topK: Int?
    /// Seed of the sampler: the same seed gives the same text.
    public var seed: UInt64

    /// A request.
    public init(prompt: String, maxTokens: Int = 100, temperature: Double = 1, topK: Int? = nil, seed: UInt64 = 0) {
        self.prompt = prompt
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topK = topK
        self.seed = seed
    }
}

/// A language model ready to answer `:generate` requests.
public protocol ServableLanguageModel: AnyObject, Sendable {
    /// What the model is and takes (task `.generation`, schema `.text`).
    var info: ServableModelInfo { get }
    /// The most tokens one request may ask for.
    var maxTokensLimit: Int { get }
    /// The generated continuation of `request.prompt` (without the prompt).
    /// - Throws: `InstanceError` (field "prompt", "max_tokens", "temperature", "top_k") for a request
    ///   the model cannot answer.
    func generate(_ request: GenerationRequest) throws(InstanceError) -> String
}
