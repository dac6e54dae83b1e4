import Foundation
import Logging
import Synapse
import Testing
@testable import SynapseServe

/// `synapse serve`'s server end to end on models trained by the real `synapse train` on the real
/// datasets (Fashion-MNIST MLP and CNN, breast cancer, the Shakespeare GPT), their run directories
/// copied into a model repository as they are: answers equal `synapse predict` and `synapse
/// generate`, drift shows on a deliberately shifted stream, and bad instances are refused with
/// their index and field.
@Suite(.serialized, .onOwnThreads, .tags(.realData))
struct ServeTrainedModelsTests {
    static var available: Bool { TrainedModels.toolBuilt && TrainedModels.datasetsInstalled }

    /// The prompt both `:generate` and `synapse generate` continue.
    static let prompt = "ROMEO:"

    @Test(.enabled(if: available, "needs the built synapse tool, Fashion-MNIST, scikit-learn and the shakespeare corpus"))
    func servedModelsAnswerLikeTheCLI() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("serve-trained-\(UUID().uuidString)")
            .resolvingSymlinksInPath()
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }

        // One training after the other (each already uses the one thread it is given).
        let runs: [(name: String, arguments: [String])] = [
            ("fashion-mlp", ["--dataset", "fashion-mnist", "--model", "mlp", "--epochs", "1"]),
            ("fashion-cnn", ["--dataset", "fashion-mnist", "--model", "cnn", "--epochs", "1", "--batch-size", "128"]),
            ("breast-cancer", ["--dataset", "breast-cancer", "--epochs", "20"]),
            ("shakespeare-gpt", ["--dataset", "shakespeare", "--model", "gpt", "--steps", "4", "--context", "16", "--batch-size", "4",
                                 "--eval-batches", "1", "--log-every", "2", "--sample-length", "0"]),
        ]
        let repository = work.appendingPathComponent("repo")
        var weights: [String: URL] = [:]
        for run in runs {
            let runDirectory = try TrainedModels.train(run.name, run.arguments, in: work)
            let version = repository.appendingPathComponent("\(run.name)/1")
            try FileManager.default.createDirectory(at: version.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: runDirectory, to: version)
            weights[run.name] = runDirectory.appendingPathComponent("weights.safetensors")
        }
        // The MLP's run saved its training-data profile, which turns drift monitoring on.
        #expect(FileManager.default.fileExists(atPath: repository.appendingPathComponent("fashion-mlp/1/weights.profile.json").path))

        var logger = Logger(label: "synapse.serve.test")
        logger.logLevel = .error
        let models = ModelRepository(directory: repository, logger: logger)
        try models.loadAll()
        let test = try FashionMNIST.load(split: .test)
        let (work2, weights2) = (work, weights)
        try await withLiveServer(models, configure: {
            $0.driftMonitorFactory = ProfileDriftMonitor.factory(windowSize: 200, minimumCount: 100)
        }) { (live) async throws in
            #expect(try await live.get("/readyz").status == 200)
            let list = try await live.get("/v1/models")
            #expect(list.status == 200, "\(list.text)")
            let names = (list.json["models"] as? [[String: Any]] ?? []).map { $0["name"] as? String ?? "" }
            #expect(names == runs.map(\.name).sorted(), "\(list.text)")

            let images = TrainedModels.fashionImages(test, from: 0, count: 8)
            for model in ["fashion-mlp", "fashion-cnn"] {
                let expected = try TrainedModels.predict(weights: try #require(weights2[model]), examples: images, in: work2)
                try await Self.checkImagePredictions(live, model: model, images: images, expected: expected)
            }
            try await Self.checkBreastCancer(live, weights: try #require(weights2["breast-cancer"]), in: work2)
            try await Self.checkGeneration(live, weights: try #require(weights2["shakespeare-gpt"]), in: work2)
            try await Self.checkDrift(live, test: test)
            try await Self.checkRefusals(live, image: images[0])
        }
    }

    /// The 8 images in one `:predict` request and as 8 concurrent single-image requests both give
    /// `synapse predict`'s class and probabilities.
    static func checkImagePredictions(_ live: LiveServer, model: String, images: [[Int]],
                                      expected: [(label: String, probabilities: [String: Double])]) async throws {
        try #require(expected.count == images.count)
        let batch = try await live.post("/v1/models/\(model):predict", try TrainedModels.jsonText(["instances": images]))
        #expect(batch.status == 200, "\(model): \(batch.text)")
        let batched = try #require(batch.json["predictions"] as? [[String: Any]], "\(model): \(batch.text)")
        try #require(batched.count == images.count, "\(model): \(batch.text)")
        let singles = try await withThrowingTaskGroup(of: (Int, Answer).self) { group in
            for (i, image) in images.enumerated() {
                group.addTask {
                    let answer = try await live.post("/v1/models/\(model):predict", try TrainedModels.jsonText(["instances": [image]]))
                    #expect(answer.status == 200, "\(model) image \(i): \(answer.text)")
                    return (i, answer)
                }
            }
            var answers = [[String: Any]](repeating: [:], count: images.count)
            for try await (i, answer) in group { answers[i] = (answer.json["predictions"] as? [[String: Any]])?.first ?? [:] }
            return answers
        }
        for (i, reference) in expected.enumerated() {
            check(batched[i], against: reference, classNames: FashionMNIST.classNames, "\(model) batched image \(i)")
            check(singles[i], against: reference, classNames: FashionMNIST.classNames, "\(model) single image \(i)")
        }
    }

    /// One served classifier prediction equals `synapse predict`'s (which rounds to 6 significant digits).
    static func check(_ prediction: [String: Any], against reference: (label: String, probabilities: [String: Double]),
                      classNames: [String], _ what: String) {
        #expect(prediction["label"] as? String == reference.label, "\(what): \(prediction)")
        #expect((prediction["class"] as? Int).map { classNames[$0] } == reference.label, "\(what): \(prediction)")
        let probabilities = TrainedModels.numbers(prediction["probabilities"])
        #expect(probabilities.count == classNames.count, "\(what): \(prediction)")
        for (k, name) in classNames.enumerated() where k < probabilities.count {
            let cli = reference.probabilities[name] ?? .nan
            #expect(abs(probabilities[k] - cli) <= 1e-5, "\(what): p(\(name)) served \(probabilities[k]), synapse predict \(cli)")
        }
    }

    /// Five real breast cancer rows, as JSON objects keyed by column name, answer like `synapse predict`.
    static func checkBreastCancer(_ live: LiveServer, weights: URL, in directory: URL) async throws {
        let data = try TabularDataset.breastCancer()
        // Row 101 holds a 0 ("mean concavity"): whole numbers 0 and 1 are numbers, not booleans.
        try await compareBreastCancerRows([0, 60, 101, 180, 300, 500], of: data, live, weights: weights, in: directory)
    }

    /// Real breast cancer rows `rowIndices`, as JSON objects keyed by column name, sent in one
    /// request, answer like `synapse predict` on the same objects.
    static func compareBreastCancerRows(_ rowIndices: [Int], of data: TabularDataset, _ live: LiveServer,
                                        weights: URL, in directory: URL) async throws {
        var rows = [[String: Double]](repeating: [:], count: rowIndices.count)
        for column in data.columns where TabularDataset.breastCancerFeatureNames.contains(column.name) {
            guard case .numeric(let values) = column.values else { continue }
            for (r, index) in rowIndices.enumerated() { rows[r][column.name] = values[index] }
        }
        #expect(rows.allSatisfy { $0.count == TabularDataset.breastCancerFeatureNames.count })
        let expected = try TrainedModels.predict(weights: weights, examples: rows, in: directory)
        let answer = try await live.post("/v1/models/breast-cancer:predict", try TrainedModels.jsonText(["instances": rows]))
        #expect(answer.status == 200, "rows \(rowIndices): \(answer.text)")
        let predictions = try #require(answer.json["predictions"] as? [[String: Any]], "\(answer.text)")
        try #require(predictions.count == rows.count && expected.count == rows.count)
        let model = try await live.get("/v1/models/breast-cancer")
        let classNames = try #require(model.json["class_names"] as? [String], "\(model.text)")
        #expect(Set(classNames) == ["malignant", "benign"])
        for r in rows.indices {
            check(predictions[r], against: expected[r], classNames: classNames, "breast cancer row \(rowIndices[r])")
        }
    }

    /// `:generate` continues the prompt exactly as `synapse generate` does with the same settings.
    static func checkGeneration(_ live: LiveServer, weights: URL, in directory: URL) async throws {
        let body = try TrainedModels.jsonText(["prompt": prompt, "max_tokens": 20, "temperature": 0.8, "top_k": 5, "seed": 3] as [String: Any])
        let answer = try await live.post("/v1/models/shakespeare-gpt:generate", body)
        #expect(answer.status == 200, "\(answer.text)")
        let text = try #require(answer.json["text"] as? String, "\(answer.text)")
        #expect(text.count == 20, "\(answer.text)")
        let cli = try TrainedModels.run(["generate", "--weights", weights.path, "--prompt", prompt, "--length", "20",
                                         "--temperature", "0.8", "--top-k", "5", "--seed", "3"], in: directory)
        #expect(cli.status == 0, "\(cli.output)\n\(cli.errors)")
        // The tool prints the prompt, then the continuation (and a line break).
        #expect(cli.output == prompt + text || cli.output == prompt + text + "\n",
                "synapse generate printed \(cli.output.debugDescription), the server continued with \(text.debugDescription)")
    }

    /// Real test images leave the MLP's `mean_intensity` PSI under 0.2; inverted ones (255 − pixel),
    /// filling the 200-row window, push it above.
    static func checkDrift(_ live: LiveServer, test: TensorDataset) async throws {
        let unchanged = TrainedModels.fashionImages(test, from: 100, count: 200)
        try await send(unchanged, to: live)
        let calm = try await meanIntensityPSI(live) { $0 < 0.2 }
        #expect(calm < 0.2, "PSI of mean_intensity on unchanged test images: \(calm)")
        try await send(unchanged.map { $0.map { 255 - $0 } }, to: live)
        let shifted = try await meanIntensityPSI(live) { $0 > 0.2 }
        #expect(shifted > 0.2, "PSI of mean_intensity on inverted test images: \(shifted)")
    }

    /// Sends images to the MLP, 50 a request.
    static func send(_ images: [[Int]], to live: LiveServer) async throws {
        for start in stride(from: 0, to: images.count, by: 50) {
            let answer = try await live.post("/v1/models/fashion-mlp:predict",
                                             try TrainedModels.jsonText(["instances": Array(images[start..<min(start + 50, images.count)])]))
            try #require(answer.status == 200, "\(answer.text)")
        }
    }

    /// The MLP's `synapse_drift_psi` for `mean_intensity`, read from `/metrics` until it satisfies
    /// `expected` (rows are observed just after their answer is sent, so the last ones may still be on
    /// their way; the sample is absent while the monitor's window warms up), then the last value read.
    static func meanIntensityPSI(_ live: LiveServer, expected: (Double) -> Bool) async throws -> Double {
        var psi: Double?, text = ""
        try await waitUntil {
            let metrics = try await live.get("/metrics")
            #expect(metrics.status == 200)
            text = metrics.text
            psi = TrainedModels.sample("synapse_drift_psi", labels: ["model": "fashion-mlp", "feature": "mean_intensity"], in: text)
            return psi.map(expected) ?? false
        }
        return try #require(psi, "no drift PSI in \(text.prefix(4000))")
    }

    /// Bad instances against the real models are 400s naming the instance's index and field.
    static func checkRefusals(_ live: LiveServer, image: [Int]) async throws {
        let wrongSize = try await live.post("/v1/models/fashion-mlp:predict",
                                            try TrainedModels.jsonText(["instances": [image, Array(image.prefix(10))]]))
        #expect(wrongSize.status == 400, "\(wrongSize.text)")
        #expect(wrongSize.error["index"] as? Int == 1, "\(wrongSize.text)")
        #expect(wrongSize.error["field"] as? String == "instance", "\(wrongSize.text)")

        let notANumber: [Any] = image.dropLast().map { $0 as Any } + ["NaN"]
        let nan = try await live.post("/v1/models/fashion-cnn:predict", try TrainedModels.jsonText(["instances": [image, ["pixels": notANumber]] as [Any]]))
        #expect(nan.status == 400, "\(nan.text)")
        #expect(nan.error["index"] as? Int == 1, "\(nan.text)")
        #expect(nan.error["field"] as? String == "pixels", "\(nan.text)")

        let row = Dictionary(uniqueKeysWithValues: TabularDataset.breastCancerFeatureNames.map { ($0, 1.5 as Any) })
            .merging(["mean texture": "NaN"]) { _, new in new }
        let tabular = try await live.post("/v1/models/breast-cancer:predict", try TrainedModels.jsonText(["instances": [row]]))
        #expect(tabular.status == 400, "\(tabular.text)")
        #expect(tabular.error["index"] as? Int == 0, "\(tabular.text)")
        #expect(tabular.error["field"] as? String == "mean texture", "\(tabular.text)")
    }
}
