import Foundation
import Testing
@testable import SynapseCore
@testable import SynapseData
@testable import SynapseIO
@testable import SynapseJobs
@testable import SynapseNN

/// `synapse predict` on PNG/JPEG files for a run trained on an image folder: each file is prepared
/// exactly as the training examples were (resize, colour layout, the training split's mean and std),
/// so predicting the folder reproduces the model's outputs on the folder's own tensors.
@Suite struct ImagePredictionTests {
    @Test func predictingImageFilesMatchesTheModelOnTheTrainingPreprocessing() throws {
        let root = try ImageFolderTests.folder([
            "dark/1.png": "gray.png", "dark/2.png": "gray16.png", "dark/3.jpg": "gray.jpg", "dark/4.png": "gray-alpha.png",
            "bright/1.png": "rgb.png", "bright/2.jpg": "baseline.jpg", "bright/3.png": "rgba.png", "bright/4.jpg": "progressive.jpg",
        ])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("synapse-predict-images-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer {
            try? FileManager.default.removeItem(at: root)
            try? FileManager.default.removeItem(at: dir)
        }
        let source = ImageFolderSource(directory: root, options: .init(height: 8, width: 6))
        var options = ImageTrainingOptions(folder: source, model: .mlp, output: dir.appendingPathComponent("w.safetensors"))
        options.epochs = 2
        options.batchSize = 4
        options.controls.logDirectory = dir.appendingPathComponent("logs")
        let job = ImageTrainingJob(options: options, log: { _ in })
        let data = try job.loadPrepared()
        try job.run(prepared: data)

        let directory = try PredictionJob(weights: options.output).run(input: PredictionInput(path: root.path))
        #expect(directory.classNames == ["bright", "dark"])
        #expect(directory.predictions.map(\.file) == ["bright/1.png", "bright/2.jpg", "bright/3.png", "bright/4.jpg",
                                                       "dark/1.png", "dark/2.png", "dark/3.jpg", "dark/4.png"])

        // The reference: the folder's own tensors, normalised with the recorded statistics, through
        // the saved model.
        let folder = try ImageFolder(root: root, options: .init(height: 8, width: 6))
        let meta = try SafeTensors.load(from: options.output).metadata
        func floats(_ key: String) throws -> [Float] {
            try #require(JSONSerialization.jsonObject(with: Data(meta[key]!.utf8)) as? [Double]).map(Float.init)
        }
        let normalization = ImageNormalization(mean: try floats("mean"), std: try floats("std"))
        let model = try ImageClassifierArchitecture(kind: .mlp, inputShape: [folder.color.channels, 8, 6], classes: 2)
            .make(generator: RandomGenerator(seed: 3))
        try model.load(from: options.output)
        model.eval()
        let logits = withoutGradients { model(normalization.apply(to: folder.tensors.features)) }
        let expected = softmax(logits, dim: 1).scalars
        for (i, prediction) in directory.predictions.enumerated() {
            for (c, p) in prediction.probabilities.enumerated() {
                #expect(abs(p - Double(expected[i * 2 + c])) < 1e-5, "\(prediction.file ?? "?") class \(c)")
            }
        }

        // One file alone gives the same answer as inside the directory, and names its file.
        let single = try PredictionJob(weights: options.output).run(input: PredictionInput(path: root.appendingPathComponent("dark/3.jpg").path))
        // (Equal up to the rounding of a batch of 1 against a batch of 8 in the matrix products.)
        #expect(single.predictions.count == 1 && single.predictions[0].className == directory.predictions[6].className)
        for (a, b) in zip(single.predictions[0].probabilities, directory.predictions[6].probabilities) { #expect(abs(a - b) < 1e-6) }
        #expect(single.formatted(.csv).hasPrefix("file,index,class,p_bright,p_dark\n"))
        #expect(single.formatted(.jsonl).contains("\"file\":"))

        // A corrupt file is a typed error naming it.
        let broken = dir.appendingPathComponent("broken.png")
        try Data("not a png".utf8).write(to: broken)
        #expect {
            try PredictionJob(weights: options.output).run(input: PredictionInput(path: broken.path))
        } throws: { error in
            guard case .unreadableInput(let path, _) = error as? PredictionError else { return false }
            return path == broken.path
        }
    }
}
