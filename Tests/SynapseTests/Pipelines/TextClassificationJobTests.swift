import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore

extension RealDataSuite {
    /// Fine-tuning MiniLM on an excerpt of the real movie-review snippets (624 of them, every 17th
    /// line of the file; 619 kept: 433 train / 62 validation / 124 test): what each recipe trains and leaves
    /// alone, bit for bit, and that the saved weights and the LoRA adapter reload to the same logits.
    @Suite struct TextClassificationJobTests {
        static func excerpt() throws -> URL {
            try #require(Bundle.module.url(forResource: "Fixtures/text/movie-reviews-excerpt", withExtension: "txt"))
        }

        static func options(_ recipe: FineTuneRecipe, in dir: URL, epochs: Int = 1) throws -> TextClassificationOptions {
            var o = TextClassificationOptions(recipe: recipe, output: dir.appendingPathComponent("weights.safetensors"))
            o.datasetFile = try excerpt()
            o.epochs = epochs
            o.batchSize = 16
            o.controls.schedule = .warmupLinear
            return o
        }

        static func temporaryDirectory() throws -> URL {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("textjob-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            return dir
        }

        /// Logits of `model` on the first texts of `data`'s test split (eval mode).
        static func logits(_ model: BertSequenceClassifier, _ data: TextClassificationData) -> [Float] {
            model.eval()
            return model(data.test.batch(Array(0..<8)).encodings).scalars
        }

        /// The pretrained encoder's weights before training.
        static func pretrained(_ job: TextClassificationJob, _ data: TextClassificationData) throws -> [String: Tensor] {
            try job.makeClassifier(data).0.bert.stateDict()
        }

        @Test func frozenTrainsOnlyTheHeadAndLeavesTheEncoderBitForBit() throws {
            let dir = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let job = TextClassificationJob(options: try Self.options(.frozen, in: dir, epochs: 3), log: { _ in })
            let data = try job.loadData()
            #expect(data.train.count == 433 && data.validation.count == 62 && data.test.count == 124)
            let before = try Self.pretrained(job, data)
            let result = try job.run(data: data)
            #expect(result.trainableParameters == 384 * 2 + 2)
            #expect(result.totalParameters == result.model.parameterCount)
            for (name, value) in result.model.bert.stateDict() {
                #expect(value.scalars == before[name]?.scalars, "\(name) changed")
            }
            // A head on frozen sentence features learns polarity from 433 snippets.
            #expect(result.testAccuracy > 0.65, "test accuracy \(result.testAccuracy)")
            #expect(result.peakMemoryMiB > 50)
            // The weights file reloads into a fresh classifier with the same logits. Same weights, but not
            // necessarily the same bits: on a busy machine the thread team may shrink to one thread between
            // the two forward passes (ThreadPool's adaptive team), and oneDNN's GEMM then sums in another order
            // (seen in CI: the 8th significant digit differed). The weights themselves are compared bit for bit.
            let reloaded = try job.makeClassifier(data).0
            try reloaded.load(from: result.weights)
            for (name, value) in reloaded.stateDict() {
                #expect(value.scalars == result.model.stateDict()[name]?.scalars, "\(name) reloaded differently")
            }
            let expected = Self.logits(result.model, data), actual = Self.logits(reloaded, data)
            #expect(zip(expected, actual).allSatisfy { abs($0 - $1) <= 1e-6 }, "\(expected) vs \(actual)")
        }

        @Test func loraTrainsAdaptersAndHeadAndItsAdapterReloads() throws {
            let dir = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            var options = try Self.options(.lora, in: dir)
            options.loraRank = 4
            let job = TextClassificationJob(options: options, log: { _ in })
            let data = try job.loadData()
            let before = try Self.pretrained(job, data)
            let result = try job.run(data: data)
            // 6 layers × (query, value) × (4 × 384 + 384 × 4), plus the head.
            #expect(result.trainableParameters == 6 * 2 * (2 * 4 * 384) + 384 * 2 + 2)
            let adapter = try #require(result.adapterDirectory)
            #expect(FileManager.default.fileExists(atPath: adapter.appendingPathComponent("adapter_config.json").path))
            // Merged into the saved weights: query and value changed, every other encoder weight did not.
            var changed: [String] = []
            for (name, value) in result.model.bert.stateDict() where value.scalars != before[name]?.scalars { changed.append(name) }
            #expect(!changed.isEmpty && changed.allSatisfy { $0.hasSuffix("query.weight") || $0.hasSuffix("value.weight") }, "\(changed)")
            // The adapter alone, loaded onto the pretrained encoder and merged, gives the saved model's logits.
            let fresh = try job.makeClassifier(data).0
            fresh.removeLoRA(merge: false)
            _ = try fresh.loadLoRA(from: adapter)
            fresh.mergeLoRA()
            let expected = Self.logits(result.model, data), actual = Self.logits(fresh, data)
            #expect(zip(expected, actual).allSatisfy { abs($0 - $1) < 1e-4 }, "\(expected) vs \(actual)")
        }

        @Test func fullTrainsEveryWeight() throws {
            let dir = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            var options = try Self.options(.full, in: dir)
            options.trainFraction = 0.3
            let job = TextClassificationJob(options: options, log: { _ in })
            let data = try job.loadData()
            #expect(data.train.count == 130)
            let before = try Self.pretrained(job, data)
            let result = try job.run(data: data)
            #expect(result.trainableParameters == result.totalParameters)
            let state = result.model.bert.stateDict()
            // Every weight matrix moved (the position embeddings of positions no snippet reaches have no gradient).
            for name in ["encoder.layer.0.attention.self.query.weight", "encoder.layer.5.output.dense.weight", "embeddings.word_embeddings.weight"] {
                #expect(state[name]?.scalars != before[name]?.scalars, "\(name) did not train")
            }
        }

        @Test func aTrainingSplitSmallerThanABatchIsRefusedBeforeLoadingTheModel() throws {
            let dir = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            var options = try Self.options(.frozen, in: dir)
            options.trainFraction = 0.02
            options.batchSize = 64
            #expect(throws: PipelineError.self) { try TextClassificationJob(options: options, log: { _ in }).loadData() }
        }
    }
}
