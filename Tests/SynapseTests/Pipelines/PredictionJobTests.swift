import Foundation
import Testing
@testable import SynapseCore
@testable import SynapseData
@testable import SynapseIO
@testable import SynapseJobs
@testable import SynapseModels
@testable import SynapseNN
@testable import SynapseOptim

/// `PredictionJob` end to end on tiny models trained here and saved as `synapse train` saves them
/// (weights with metadata, tabular preprocessing beside them), so no dataset needs to be installed.
@Suite("PredictionJob: tabular, forecasting and image predictions from saved runs")
struct PredictionJobTests {
    /// A fresh directory, removed by the caller.
    static func directory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("predict-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Toy rows: a numeric `x` and a categorical `color`; the class is "pos" when x > 0 (color is noise).
    static func toyTable(rows: Int, seed: UInt64) -> TabularDataset {
        let g = RandomGenerator(seed: seed)
        let xs = (0..<rows).map { _ in Double(g.nextUniform() * 4 - 2) }
        let colors: [String?] = (0..<rows).map { ["red", "green", "blue"][$0 % 3] }
        return TabularDataset(columns: [TabularColumn(name: "x", values: .numeric(xs)), TabularColumn(name: "color", values: .categorical(colors))],
                              labelName: "label", target: .classes(indices: xs.map { $0 > 0 ? 1 : 0 }, names: ["neg", "pos"]))
    }

    /// Trains a small MLP classifier on the toy rows and saves it as a tabular run does.
    static func trainedClassifier(in dir: URL) throws -> URL {
        let data = toyTable(rows: 200, seed: 1)
        let prep = try TabularPreprocessor.fitted(on: data)
        let set = try prep.classificationDataset(data)
        let model = MLPClassifier(inputSize: prep.outputWidth, hiddenSizes: [8], classes: 2, generator: RandomGenerator(seed: 2))
        let optimizer = Adam(model.parameters(), learningRate: 0.05)
        for _ in 0..<150 {
            optimizer.zeroGrad()
            crossEntropy(model(set.features), set.labels).backward()
            optimizer.step()
        }
        let weights = dir.appendingPathComponent("toy.safetensors")
        try model.save(to: weights, metadata: ["dataset": "toy", "model": "mlp", "hidden": "8", "task": "classification"])
        try PipelinePreprocessing(dataset: "toy", tabular: prep).save(to: TabularTrainingOptions.preprocessingURL(forWeights: weights))
        return weights
    }

    @Test("tabular classifier: CSV with extra and label columns, and JSON objects, give the same confident classes")
    func tabularClassification() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let weights = try Self.trainedClassifier(in: dir)
        let csv = dir.appendingPathComponent("rows.csv")
        try "id,color,x,label\n7,red,1.5,pos\n8,blue,-1.7,neg\n9,green,,pos\n".write(to: csv, atomically: true, encoding: .utf8)
        let result = try PredictionJob(weights: weights).run(input: try PredictionInput(path: csv.path))
        #expect(result.classNames == ["neg", "pos"])
        #expect(result.predictions.count == 3 && result.predictions.prefix(2).map(\.className) == ["pos", "neg"])
        #expect(result.predictions[0].probabilities[1] > 0.9 && result.predictions[1].probabilities[0] > 0.9)
        for p in result.predictions { #expect(abs(p.probabilities.reduce(0, +) - 1) < 1e-9) }

        let json = dir.appendingPathComponent("rows.jsonl")
        try "{\"x\": 1.5, \"color\": \"red\"}\n\n{\"x\": -1.7, \"color\": \"blue\", \"label\": \"neg\"}\n{\"x\": null, \"color\": \"green\"}\n"
            .write(to: json, atomically: true, encoding: .utf8)
        let fromJSON = try PredictionJob(weights: weights).run(input: try PredictionInput(path: json.path))
        #expect(fromJSON.predictions == result.predictions)

        let lines = result.formatted(.jsonl).split(separator: "\n")
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["class"] as? String == "pos" && first["index"] as? Int == 0)
        #expect((first["probabilities"] as? [String: Double])?.keys.sorted() == ["neg", "pos"])
        let csvText = result.formatted(.csv).split(separator: "\n")
        #expect(csvText[0] == "index,class,p_neg,p_pos" && csvText[1].hasPrefix("0,pos,"))
    }

    @Test("tabular errors: missing columns, text in a numeric column, unknown file kinds and image input are typed errors")
    func tabularErrors() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let weights = try Self.trainedClassifier(in: dir)
        let job = PredictionJob(weights: weights)
        let missing = dir.appendingPathComponent("missing.csv")
        try "x,label\n1,pos\n".write(to: missing, atomically: true, encoding: .utf8)
        #expect(throws: PredictionError.missingColumns(path: missing.path, missing: ["color"], available: ["x", "label"])) {
            try job.run(input: try PredictionInput(path: missing.path))
        }
        let text = dir.appendingPathComponent("text.csv")
        try "x,color\n1,red\nabc,red\n".write(to: text, atomically: true, encoding: .utf8)
        #expect(throws: PredictionError.invalidValue(path: text.path, location: "line 3", reason: "column \"x\" is numeric, found \"abc\"")) {
            try job.run(input: try PredictionInput(path: text.path))
        }
        #expect(throws: PredictionError.self) { try PredictionInput(path: dir.appendingPathComponent("none.csv").path) }
        let odd = dir.appendingPathComponent("rows.xlsx")
        try Data([1, 2]).write(to: odd)
        #expect(throws: PredictionError.self) { try PredictionInput(path: odd.path) }
        do {
            _ = try job.run(input: try PredictionInput(path: dir.path))
            Issue.record("a directory input must be refused")
        } catch let error as PredictionError {
            guard case .unsupportedInput = error else { Issue.record("unexpected \(error)"); return }
        }
    }

    @Test("tabular regression: predictions come back in the target's units")
    func tabularRegression() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let xs = (0..<64).map { Double($0) / 16 - 2 }
        let data = TabularDataset(columns: [TabularColumn(name: "x", values: .numeric(xs))], labelName: "y",
                                  target: .values(xs.map { 100 + 10 * $0 }))
        let prep = try TabularPreprocessor.fitted(on: data, options: PreprocessingOptions(targetScaling: .standardize))
        let set = try prep.regressionDataset(data)
        let model = MLPClassifier(inputSize: 1, hiddenSizes: [8], classes: 1, generator: RandomGenerator(seed: 3))
        let optimizer = Adam(model.parameters(), learningRate: 0.02)
        for _ in 0..<300 {
            optimizer.zeroGrad()
            mseLoss(model(set.features), set.targets).backward()
            optimizer.step()
        }
        let weights = dir.appendingPathComponent("reg.safetensors")
        try model.save(to: weights, metadata: ["dataset": "toy-reg", "model": "mlp", "hidden": "8"])
        try PipelinePreprocessing(dataset: "toy-reg", tabular: prep).save(to: TabularTrainingOptions.preprocessingURL(forWeights: weights))
        let input = dir.appendingPathComponent("x.json")
        try "[{\"x\": -1}, {\"x\": 0.5}]".write(to: input, atomically: true, encoding: .utf8)
        let result = try PredictionJob(weights: weights).run(input: try PredictionInput(path: input.path))
        #expect(!result.isClassification)
        #expect(abs(result.predictions[0].values[0] - 90) < 2 && abs(result.predictions[1].values[0] - 105) < 2,
                "\(result.predictions)")
        #expect(result.formatted(.csv).hasPrefix("index,value\n0,"))
    }

    @Test("forecasting: windows scaled by the saved series scaling, outputs mapped back; wrong lengths refused")
    func forecasting() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = MLPClassifier(inputSize: 3, hiddenSizes: [4], classes: 1, generator: RandomGenerator(seed: 4))
        let weights = dir.appendingPathComponent("series.safetensors")
        try model.save(to: weights, metadata: ["dataset": "toy-series", "model": "mlp", "hidden": "4", "window": "3"])
        let scaling = ScalingParameters(shift: 50, scale: 10)
        try PipelinePreprocessing(dataset: "toy-series", seriesScaling: scaling, window: 3)
            .save(to: TabularTrainingOptions.preprocessingURL(forWeights: weights))
        let input = dir.appendingPathComponent("w.jsonl")
        try "[40, 50, 60]\n{\"values\": [55, 65, 75]}\n".write(to: input, atomically: true, encoding: .utf8)
        let result = try PredictionJob(weights: weights).run(input: try PredictionInput(path: input.path))
        let direct = model(Tensor(shape: [2, 3], scalars: [-1, 0, 1, 0.5, 1.5, 2.5])).scalars.map { Double($0) * 10 + 50 }
        #expect(result.predictions.map { $0.values[0] }.elementsEqual(direct) { abs($0 - $1) < 1e-4 })
        try "[1, 2]\n".write(to: input, atomically: true, encoding: .utf8)
        #expect(throws: PredictionError.wrongSize(path: input.path, location: "example 0", expected: 3, actual: 2,
                                                  what: "values (the model's input window)")) {
            try PredictionJob(weights: weights).run(input: try PredictionInput(path: input.path))
        }
    }

    @Test("image classifier: flat, nested and IDX pixels give the model's own probabilities; bad pixels are typed errors")
    func images() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var architecture = ImageClassifierArchitecture(kind: .mlp, inputShape: [1, 28, 28], classes: 10)
        architecture.hiddenSizes = [16]
        let model = try architecture.make(generator: RandomGenerator(seed: 5))
        let weights = dir.appendingPathComponent("mnist.safetensors")
        try model.save(to: weights, metadata: architecture.metadata.merging(["dataset": "mnist"]) { a, _ in a })
        let g = RandomGenerator(seed: 6)
        let bytes = (0..<(2 * 784)).map { _ in UInt8(g.nextUniform() * 255) }
        let expected = withoutGradients {
            softmax(model(Tensor(shape: [2, 1, 28, 28], scalars: bytes.map { Float($0) / 255 })), dim: 1).scalars
        }

        let flat = dir.appendingPathComponent("flat.jsonl")
        try (bytes[0..<784].map(String.init).joined(separator: ",") + "]\n[" + bytes[784...].map(String.init).joined(separator: ","))
            .wrappedInBrackets.write(to: flat, atomically: true, encoding: .utf8)
        let idx = dir.appendingPathComponent("images-idx3-ubyte")
        try IDXFile(shape: [2, 28, 28], uint8: bytes).write(to: idx, compressed: false)
        for url in [flat, idx] {
            let result = try PredictionJob(weights: weights).run(input: try PredictionInput(path: url.path))
            #expect(result.classNames == MNIST.classNames)
            let got = result.predictions.flatMap(\.probabilities)
            #expect(got.count == 20 && zip(got, expected).allSatisfy { abs($0 - Double($1)) < 1e-5 }, "\(url.lastPathComponent)")
        }
        // One image as nested rows, the whole file one array: one example, not 28.
        let rows = (0..<28).map { r in "[" + bytes[(r * 28)..<(r * 28 + 28)].map(String.init).joined(separator: ",") + "]" }
        let nested = dir.appendingPathComponent("nested.json")
        try ("[" + rows.joined(separator: ",") + "]").write(to: nested, atomically: true, encoding: .utf8)
        let one = try PredictionJob(weights: weights).run(input: try PredictionInput(path: nested.path))
        #expect(one.predictions.count == 1 && zip(one.predictions[0].probabilities, expected).allSatisfy { abs($0 - Double($1)) < 1e-5 })

        let short = dir.appendingPathComponent("short.jsonl")
        try "[1, 2, 3]\n".write(to: short, atomically: true, encoding: .utf8)
        #expect(throws: PredictionError.wrongSize(path: short.path, location: "example 0", expected: 784, actual: 3,
                                                  what: "pixels (an image of shape [1, 28, 28])")) {
            try PredictionJob(weights: weights).run(input: try PredictionInput(path: short.path))
        }
        let bright = dir.appendingPathComponent("bright.jsonl")
        try ("{\"pixels\": [" + (["300"] + [String](repeating: "0", count: 783)).joined(separator: ",") + "]}\n")
            .write(to: bright, atomically: true, encoding: .utf8)
        #expect(throws: PredictionError.invalidValue(path: bright.path, location: "line 1", reason: "pixel 0 is 300.0; pixel values are 0–255")) {
            try PredictionJob(weights: weights).run(input: try PredictionInput(path: bright.path))
        }
        let png = dir.appendingPathComponent("digit.png")
        try Data([0x89]).write(to: png)
        #expect(throws: PredictionError.unreadableInput(path: png.path, reason: "\(png.path): not a PNG or JPEG file (unknown signature)")) {
            try PredictionJob(weights: weights).run(input: try PredictionInput(path: png.path))
        }
    }

    @Test("language-model weights are refused with a pointer to synapse generate")
    func languageModel() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let weights = dir.appendingPathComponent("lm.safetensors")
        try SafeTensors.save(["head.bias": Tensor.zeros([3])], metadata: ["model": "gpt", "dataset": "shakespeare"], to: weights)
        let input = dir.appendingPathComponent("x.json")
        try "[1]".write(to: input, atomically: true, encoding: .utf8)
        #expect(throws: PredictionError.unsupportedModel(path: weights.path, reason: "holds a gpt language model; "
                                                         + "`synapse generate --weights` samples text from it")) {
            try PredictionJob(weights: weights).run(input: try PredictionInput(path: input.path))
        }
    }
}

private extension String {
    /// `[self]`.
    var wrappedInBrackets: String { "[" + self + "]" }
}
