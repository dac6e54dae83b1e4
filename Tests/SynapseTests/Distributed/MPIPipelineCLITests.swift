import Foundation
import Testing
@testable import Synapse

extension RealDataSuite {
    /// `mpirun -np 2 synapse train --pipeline` on Fashion-MNIST: two stages train as one process
    /// with the same batch, rank 0 saves the whole network, and what a pipeline cannot do is refused.
    @Suite(.tags(.slow)) struct MPIPipelineCLITests {
        typealias MPI = MPIDataParallelCLITests

        @Test(.enabled(if: MPI.available, "needs the built synapse tool, Fashion-MNIST and Open MPI"))
        func twoStagesTrainAsOneProcessWithTheSameBatch() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let common = MPI.small + ["--epochs", "1", "--batch-size", "64"]
            let (status, output) = try MPI.run(ranks: 2, common + ["--pipeline", "--micro-batches", "4", "--output", "pipe.safetensors"], in: dir)
            #expect(status == 0, "\(output)")
            let lines = MPI.jsonLines(output)
            #expect(lines.count == 1, "rank 0 alone prints the result: \(output)")
            let json = try #require(lines.last)
            #expect(json["ranks"] as? Int == 2 && json["global_batch"] as? Int == 64 && json["pipeline_stages"] as? Int == 2)
            #expect(json["micro_batches"] as? Int == 4 && json["bubble_theoretical"] as? Double == 0.2)
            let starts = try #require(json["stage_starts"] as? [Int])
            #expect(starts.count == 2 && starts[0] == 0 && starts[1] > 0 && starts[1] < 6, "\(starts)")
            let bubble = try #require(json["bubble_fraction"] as? Double)
            #expect(bubble > 0 && bubble < 1, "\(bubble)")
            #expect(output.contains("pipeline (gpipe): stages 0-"), "\(output)")

            let (singleStatus, _, singleOutput) = try CLIRunOutputsTests.run(common + ["--output", "single.safetensors"], in: dir)
            #expect(singleStatus == 0, "\(singleOutput)")
            let single = try CLIRunOutputsTests.result(singleOutput)
            // The same 46 steps over the same batches: rank 0 saved every stage's weights, equal to
            // one process's up to the order of the sums over micro-batches.
            let difference = try MPI.largestDifference("pipe.safetensors", "single.safetensors", in: dir)
            #expect(difference < 1e-3, "largest weight difference \(difference)")
            let accuracy = try #require(json["test_accuracy"] as? Double)
            #expect(abs(accuracy - (single["test_accuracy"] as? Double ?? 0)) <= 0.005 && accuracy > 0.7)

            // Three stages in 1F1B's order (neighbours exchanging activations for gradients in one
            // call each): the same training, with at most S − s micro-batches alive on stage s.
            let (status3, output3) = try MPI.run(ranks: 3, common + ["--pipeline", "--micro-batches", "4", "--pipeline-schedule", "1f1b",
                                                                     "--output", "pipe3.safetensors"], in: dir)
            #expect(status3 == 0, "\(output3)")
            let json3 = try #require(MPI.jsonLines(output3).last)
            #expect(json3["pipeline_schedule"] as? String == "1f1b" && json3["pipeline_stages"] as? Int == 3)
            #expect(json3["peak_live_micro_batches"] as? [Int] == [3, 2, 1], "\(json3)")
            let difference3 = try MPI.largestDifference("pipe3.safetensors", "single.safetensors", in: dir)
            #expect(difference3 < 1e-3, "largest weight difference \(difference3)")
        }

        @Test(.enabled(if: MPI.available, "needs the built synapse tool, Fashion-MNIST and Open MPI"))
        func aCNNSplitsWhereTheStageStartsSay() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let arguments = ["train", "--dataset", "fashion-mnist", "--model", "cnn", "--train-fraction", "0.02", "--no-progress",
                             "--threads", "1", "--epochs", "1", "--batch-size", "32", "--pipeline", "--stage-starts", "0,6",
                             "--micro-batches", "2", "--clip-norm", "1", "--output", "cnn.safetensors"]
            let (status, output) = try MPI.run(ranks: 2, arguments, in: dir)
            #expect(status == 0, "\(output)")
            let json = try #require(MPI.jsonLines(output).last)
            #expect(json["stage_starts"] as? [Int] == [0, 6] && json["micro_batches"] as? Int == 2)
            #expect(output.contains("pipeline (gpipe): stages 0-5 | 6-9"), "\(output)")
            // Rank 0 saved the whole CNN: evaluation rebuilds it from the file alone.
            let (evaluated, _, report) = try CLIRunOutputsTests.run(["evaluate", "--weights", "cnn.safetensors", "--report", "cnn.md",
                                                                     "--threads", "1"], in: dir)
            #expect(evaluated == 0, "\(report)")
            let accuracy = try #require(json["test_accuracy"] as? Double)
            let reported = try #require(CLIRunOutputsTests.result(report)["test_accuracy"] as? Double)
            #expect(abs(reported - accuracy) < 1e-4, "evaluate measures \(reported), the run \(accuracy)")
        }

        @Test(.enabled(if: MPI.available, "needs the built synapse tool, Fashion-MNIST and Open MPI"))
        func whatAPipelineCannotDoIsRefused() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let common = MPI.small + ["--epochs", "1"]
            // Without mpirun there is one process: nothing to cut into stages.
            let (alone, _, why) = try CLIRunOutputsTests.run(common + ["--pipeline"], in: dir)
            #expect(alone != 0 && why.contains("--pipeline cuts the network into one stage per process"), "\(why)")
            let (idle, _, idleWhy) = try CLIRunOutputsTests.run(common + ["--micro-batches", "4"], in: dir)
            #expect(idle != 0 && idleWhy.contains("--micro-batches applies to pipeline-parallel training: add --pipeline"), "\(idleWhy)")
            // Under mpirun: a ViT is no chain; checkpoints are not written by stages. Every process ends.
            let vitArguments = common.map { $0 == "mlp" ? "vit" : $0 } + ["--pipeline"]
            let (vit, vitWhy) = try MPI.run(ranks: 2, vitArguments, in: dir)
            #expect(vit != 0 && vitWhy.contains("--model mlp or cnn"), "\(vitWhy)")
            let (checkpoints, checkpointsWhy) = try MPI.run(ranks: 2, common + ["--pipeline", "--checkpoint-dir", "ckpt"], in: dir)
            #expect(checkpoints != 0 && checkpointsWhy.contains("do not write or resume checkpoints"), "\(checkpointsWhy)")
            let (fp16, fp16Why) = try MPI.run(ranks: 2, common + ["--pipeline", "--precision", "fp16"], in: dir)
            #expect(fp16 != 0 && fp16Why.contains("not coordinated across pipeline stages"), "\(fp16Why)")
            let (bad, badWhy) = try MPI.run(ranks: 2, common + ["--pipeline", "--stage-starts", "0,99"], in: dir)
            #expect(bad != 0 && badWhy.contains("stage-starts") && badWhy.contains("below the network's 6 layers"), "\(badWhy)")
        }
    }
}
