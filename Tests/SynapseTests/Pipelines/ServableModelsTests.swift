import Foundation
import Synchronization
import Testing
@testable import SynapseCore
@testable import SynapseData
@testable import SynapseIO
@testable import SynapseJobs
@testable import SynapseModels
@testable import SynapseNN
import SynapseTestSupport

/// The models `synapse serve` answers with: loaded from the files `synapse train` writes, each
/// instance validated and prepared as `synapse predict` prepares its inputs, so a served answer is
/// `synapse predict`'s answer.
@Suite("ServableModels: loading runs for serving; instances prepared as synapse predict prepares files")
struct ServableModelsTests {
    /// Parses `text` as a JSON value, as the server parses a request's instances.
    static func json(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }

    static func predictor(_ loaded: LoadedServable) throws -> any ServableModel {
        guard case .predictor(let model) = loaded else { throw CancellationError() }
        return model
    }

    @Test("tabular classifier: objects and arrays give synapse predict's probabilities; bad cells name their column")
    func tabular() throws {
        let dir = try PredictionJobTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let weights = try PredictionJobTests.trainedClassifier(in: dir)
        let model = try Self.predictor(try ServableModels.load(directory: dir))
        #expect(model.info.task == .classification && model.info.classNames == ["neg", "pos"])
        #expect(model.info.inputSchema == .tabular(columns: [ServingColumn(name: "x", numeric: true),
                                                            ServingColumn(name: "color", numeric: false, categories: ["blue", "green", "red"])]))
        let instances = [#"{"x": 1.5, "color": "red", "label": "ignored"}"#, #"[-1.7, "blue"]"#, #"{"x": null, "color": "green"}"#]
        var rows: [Float] = []
        for (i, text) in instances.enumerated() { rows += try model.prepare(try Self.json(text), index: i) }
        let served = model.predict(rows: rows, count: 3)

        let input = dir.appendingPathComponent("rows.jsonl")
        try #"{"x": 1.5, "color": "red"}\#n{"x": -1.7, "color": "blue"}\#n{"x": null, "color": "green"}\#n"#
            .write(to: input, atomically: true, encoding: .utf8)
        let expected = try PredictionJob(weights: weights).run(input: try PredictionInput(path: input.path))
        for (s, e) in zip(served, expected.predictions) {
            #expect(s.label == e.className && s.classIndex == (e.className == "pos" ? 1 : 0))
            #expect(zip(s.probabilities, e.probabilities).allSatisfy { abs($0 - $1) < 1e-6 })
        }
        #expect(served[0].jsonObject["label"] as? String == "pos")

        #expect(throws: InstanceError(index: 4, field: "x", reason: "missing column(s) [\"x\"]; the model takes [\"x\", \"color\"] "
                                      + "(null for a missing value)")) { try model.prepare(try Self.json(#"{"color": "red"}"#), index: 4) }
        #expect(throws: InstanceError(index: 0, field: "x", reason: "is numeric; found \"abc\"")) {
            try model.prepare(try Self.json(#"{"x": "abc", "color": "red"}"#), index: 0)
        }
        #expect(throws: InstanceError(index: 0, field: "x", reason: "is numeric; found an array")) {
            try model.prepare(try Self.json(#"{"x": [1], "color": "red"}"#), index: 0)
        }
        #expect(throws: InstanceError(index: 1, field: "instance", reason: "holds 1 values; the model takes 2 columns in this order: [\"x\", \"color\"]")) {
            try model.prepare(try Self.json("[1]"), index: 1)
        }
        #expect(throws: InstanceError.self) { try model.prepare(try Self.json("7"), index: 0) }
        // Drift watches the prepared features, named as the preprocessing names them.
        #expect(model.info.driftFeatureNames.count == model.info.rowWidth)
        #expect(model.driftFeatures(of: rows[0..<model.info.rowWidth]) == rows[0..<model.info.rowWidth].map(Double.init))
    }

    @Test("image classifier of an image folder: base64 PNG and JPEG files give synapse predict's answers on the same files")
    func imageFolder() throws {
        let root = try ImageFolderTests.folder([
            "dark/1.png": "gray.png", "dark/2.png": "gray16.png", "dark/3.jpg": "gray.jpg", "dark/4.png": "gray-alpha.png",
            "bright/1.png": "rgb.png", "bright/2.jpg": "baseline.jpg", "bright/3.png": "rgba.png", "bright/4.jpg": "progressive.jpg",
        ])
        let dir = try PredictionJobTests.directory()
        defer {
            try? FileManager.default.removeItem(at: root)
            try? FileManager.default.removeItem(at: dir)
        }
        let source = ImageFolderSource(directory: root, options: .init(height: 8, width: 6))
        var options = ImageTrainingOptions(folder: source, model: .mlp, output: dir.appendingPathComponent("weights.safetensors"))
        options.epochs = 1
        options.batchSize = 4
        let job = ImageTrainingJob(options: options, log: { _ in })
        try job.run(prepared: try job.loadPrepared())
        let model = try Self.predictor(try ServableModels.load(directory: dir))
        #expect(model.info.classNames == ["bright", "dark"])
        guard case .image(let channels, 8, 6) = model.info.inputSchema else {
            Issue.record("schema \(model.info.inputSchema)")
            return
        }
        for file in ["dark/1.png", "dark/3.jpg", "bright/1.png", "bright/2.jpg"] {
            let url = root.appendingPathComponent(file)
            let b64 = try Data(contentsOf: url).base64EncodedString()
            let forms: [Any] = [b64, ["b64": b64], "data:image/png;base64," + b64]
            let expected = try PredictionJob(weights: options.output).run(input: PredictionInput(path: url.path)).predictions[0]
            for form in forms {
                let served = model.predict(rows: try model.prepare(form, index: 0), count: 1)[0]
                #expect(served.label == expected.className, "\(file)")
                #expect(zip(served.probabilities, expected.probabilities).allSatisfy { abs($0 - $1) < 1e-5 }, "\(file)")
            }
        }
        #expect(model.info.driftFeatureNames.count == (channels == 3 ? 5 : 2))
        #expect(throws: InstanceError.self) { try model.prepare("not base64 at all!", index: 0) }
        #expect(throws: InstanceError.self) { try model.prepare(Data([1, 2, 3]).base64EncodedString(), index: 0) }
        #expect(throws: InstanceError(index: 2, field: "pixels", reason: "holds 3 pixel values; the model takes \(channels * 48) "
                                      + "(an image of shape [\(channels), 8, 6])")) {
            try model.prepare(["pixels": [1, 2, 3]], index: 2)
        }
    }

    @Test("built-in image classifier: pixel arrays scaled as training did; out-of-range pixels refused")
    func pixels() throws {
        let dir = try PredictionJobTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var architecture = ImageClassifierArchitecture(kind: .mlp, inputShape: [1, 28, 28], classes: 10)
        architecture.hiddenSizes = [16]
        let network = try architecture.make(generator: RandomGenerator(seed: 5))
        try network.save(to: dir.appendingPathComponent("weights.safetensors"),
                         metadata: architecture.metadata.merging(["dataset": "fashion-mnist"]) { a, _ in a })
        let model = try Self.predictor(try ServableModels.load(directory: dir))
        #expect(model.info.classNames == FashionMNIST.classNames)
        let g = RandomGenerator(seed: 6)
        let bytes = (0..<(2 * 784)).map { _ in Double(Int(g.nextUniform() * 255)) }
        let expected = withoutGradients {
            softmax(network(Tensor(shape: [2, 1, 28, 28], scalars: bytes.map { Float($0 / 255) })), dim: 1).scalars
        }
        let nested: [Any] = (0..<28).map { r in Array(bytes[(784 + r * 28)..<(784 + r * 28 + 28)]) }
        let rows = try model.prepare(Array(bytes[0..<784]), index: 0) + model.prepare(nested, index: 1)
        let served = model.predict(rows: rows, count: 2)
        let got = served.flatMap(\.probabilities)
        #expect(zip(got, expected).allSatisfy { abs($0 - Double($1)) < 1e-5 })
        #expect(served[0].label == FashionMNIST.classNames[served[0].classIndex!])
        // Batches of one model run on several threads at once (the server's workers): same answers.
        let failures = Mutex(0)
        onOwnThreads(4) { t in
            for i in 0..<25 {
                let count = 1 + (t + i) % 2
                let answer = model.predict(rows: Array(rows[0..<(count * 784)]), count: count)
                if zip(answer.flatMap(\.probabilities), got).contains(where: { abs($0 - $1) > 1e-5 }) {
                    failures.withLock { $0 += 1 }
                }
            }
        }
        #expect(failures.withLock { $0 } == 0)
        #expect(throws: InstanceError(index: 0, field: "instance", reason: "pixel 3 is 256.0; pixel values are 0–255")) {
            try model.prepare([0, 0, 0, 256] + [Double](repeating: 0, count: 780), index: 0)
        }
    }

    @Test("forecaster and regressor: values in the target's units; windows of the wrong length refused")
    func forecasting() throws {
        let dir = try PredictionJobTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let network = MLPClassifier(inputSize: 3, hiddenSizes: [4], classes: 1, generator: RandomGenerator(seed: 4))
        let weights = dir.appendingPathComponent("series.safetensors")
        try network.save(to: weights, metadata: ["dataset": "toy-series", "model": "mlp", "hidden": "4", "window": "3"])
        try PipelinePreprocessing(dataset: "toy-series", seriesScaling: ScalingParameters(shift: 50, scale: 10), window: 3)
            .save(to: TabularTrainingOptions.preprocessingURL(forWeights: weights))
        let model = try Self.predictor(try ServableModels.load(directory: dir))
        #expect(model.info.task == .regression && model.info.inputSchema == .window(length: 3))
        let rows = try model.prepare(try Self.json("[40, 50, 60]"), index: 0) + model.prepare(try Self.json(#"{"values": [55, 65, 75]}"#), index: 1)
        let served = model.predict(rows: rows, count: 2)
        let direct = network(Tensor(shape: [2, 3], scalars: [-1, 0, 1, 0.5, 1.5, 2.5])).scalars.map { Double($0) * 10 + 50 }
        #expect(served.map { $0.values[0] }.elementsEqual(direct) { abs($0 - $1) < 1e-4 })
        #expect(served[0].jsonObject.keys.sorted() == ["value"])
        #expect(throws: InstanceError(index: 0, field: "instance", reason: "holds 2 values; the model's input window is 3")) {
            try model.prepare([1, 2], index: 0)
        }
    }

    @Test("language model: :generate samples as synapse generate does; bad prompts and settings name their field")
    func languageModel() throws {
        let dir = try PredictionJobTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let vocabulary = try CharacterVocabulary(bytes: Array(" abc".utf8))
        let architecture = LanguageModelArchitecture(kind: .charLSTM, vocabularySize: vocabulary.count, context: 8)
        let network = try architecture.make(generator: RandomGenerator(seed: 1), source: "test")
        try network.save(to: dir.appendingPathComponent("weights.safetensors"), metadata: architecture.metadata.merging(
            ["dataset": "toy", CharacterVocabulary.metadataKey: vocabulary.metadataValue]) { a, _ in a })
        guard case .languageModel(let model) = try ServableModels.load(directory: dir) else {
            Issue.record("not served as a language model")
            return
        }
        #expect(model.info.task == .generation)
        let request = GenerationRequest(prompt: "ab", maxTokens: 12, temperature: 0.8, topK: 3, seed: 7)
        let text = try model.generate(request)
        network.eval()
        let ids = try TextGenerator(temperature: 0.8, topK: 3).generate(network, prompt: try vocabulary.encode("ab"), length: 12,
                                                                        generator: RandomGenerator(seed: 7, stream: .sampling))
        #expect(text == vocabulary.decode(ids) && text.count == 12)
        #expect(try model.generate(request) == text)
        #expect(throws: InstanceError.self) { try model.generate(GenerationRequest(prompt: "xyz")) }
        #expect(throws: InstanceError(index: 0, field: "top_k", reason: "top-k must be in 1...4 (the vocabulary size), got 9")) {
            try model.generate(GenerationRequest(prompt: "a", topK: 9))
        }
        #expect(throws: InstanceError.self) { try model.generate(GenerationRequest(prompt: "a", temperature: 0)) }
        #expect(throws: InstanceError.self) { try model.generate(GenerationRequest(prompt: "a", maxTokens: 1 << 20)) }
    }

    @Test("a version directory with no weights, or several, is a clear error")
    func directories() throws {
        let dir = try PredictionJobTests.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: PredictionError.self) { try ServableModels.load(directory: dir) }
        try Data().write(to: dir.appendingPathComponent("a.onnx"))
        try Data().write(to: dir.appendingPathComponent("b.onnx"))
        #expect(throws: PredictionError.unsupportedModel(path: dir.path, reason: "holds several .onnx files [\"a.onnx\", \"b.onnx\"]; "
                                                         + "a version directory serves one model (name it weights.safetensors)")) {
            try ServableModels.load(directory: dir)
        }
        #expect(throws: PredictionError.self) { try ServableModels.load(directory: dir.appendingPathComponent("missing")) }
    }
}
