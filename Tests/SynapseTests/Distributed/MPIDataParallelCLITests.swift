import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseData
@testable import SynapseIO

extension RealDataSuite {
    /// `mpirun -np 2 synapse train` on Fashion-MNIST (Open MPI from Debian, as root with the flags
    /// it needs): two processes with batch B train as one with batch 2B, only rank 0 writes, a
    /// process that dies or hangs ends the job with an error, and checkpoints resume with another
    /// number of processes.
    @Suite(.tags(.slow)) struct MPIDataParallelCLITests {
        static let mpirun = URL(fileURLWithPath: "/usr/bin/mpirun")
        static var available: Bool {
            CompressCLITests.available && FileManager.default.isExecutableFile(atPath: mpirun.path)
        }
        static let small = ["train", "--dataset", "fashion-mnist", "--model", "mlp", "--train-fraction", "0.05", "--no-progress",
                            "--threads", "1"]

        /// `mpirun -np N synapse ARGS` in `directory`, not yet started; standard output and error in the pipe.
        /// The benchmark tool, built beside `synapse`.
        static var bench: URL { TrainResumeCLITests.tool.deletingLastPathComponent().appendingPathComponent("synapse-bench") }

        static func process(ranks: Int, _ arguments: [String], in directory: URL, tool: URL = TrainResumeCLITests.tool,
                            environment extra: [String: String] = [:]) -> (Process, Pipe) {
            process(launching: ["-np", String(ranks), tool.path] + arguments, in: directory, environment: extra)
        }

        /// `mpirun FLAGS LAUNCH` in `directory` (LAUNCH: `-np N program args`, or several such
        /// joined by `:`), with the flags CI needs; not yet started.
        static func process(launching launch: [String], in directory: URL, environment extra: [String: String] = [:]) -> (Process, Pipe) {
            let p = Process()
            p.executableURL = mpirun
            // Root in CI; a container's ptrace rules refuse the single-copy mechanism of shared memory.
            p.arguments = ["--allow-run-as-root", "--oversubscribe", "--mca", "btl_vader_single_copy_mechanism", "none"] + launch
            var environment = ProcessInfo.processInfo.environment
            environment["SYNAPSE_ADAPTIVE_THREADS"] = "0"
            environment.merge(extra) { $1 }
            p.environment = environment
            p.currentDirectoryURL = directory
            let out = Pipe()
            p.standardOutput = out
            p.standardError = out
            return (p, out)
        }

        static func run(ranks: Int, _ arguments: [String], in directory: URL, tool: URL = TrainResumeCLITests.tool,
                        environment: [String: String] = [:]) throws -> (Int32, String) {
            let (p, out) = process(ranks: ranks, arguments, in: directory, tool: tool, environment: environment)
            try p.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return (p.terminationStatus, text)
        }

        /// The JSON lines of an output (rank 0 prints the only one).
        static func jsonLines(_ output: String) -> [[String: Any]] {
            output.split(separator: "\n").filter { $0.hasPrefix("{") }
                .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }

        static func weights(_ path: String) throws -> [String: [Float]] {
            let archive = try SafeTensors.load(from: URL(fileURLWithPath: path))
            return try Dictionary(uniqueKeysWithValues: archive.names.map { ($0, try archive.tensor($0).scalars) })
        }

        /// The largest difference between the weights files `a` and `b` in `dir` (1 when a tensor is missing).
        static func largestDifference(_ a: String, _ b: String, in dir: URL) throws -> Float {
            let x = try weights(dir.appendingPathComponent(a).path), y = try weights(dir.appendingPathComponent(b).path)
            guard Set(x.keys) == Set(y.keys) else { return 1 }
            return x.keys.map { k in zip(x[k]!, y[k]!).map { abs($0 - $1) }.max() ?? 0 }.max() ?? 0
        }

        @Test(.enabled(if: available, "needs the built synapse tool, Fashion-MNIST and Open MPI"))
        func twoRanksTrainAsOneProcessWithTheGlobalBatch() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let (status, output) = try Self.run(ranks: 2, Self.small + ["--epochs", "1", "--batch-size", "32", "--output", "ddp.safetensors"], in: dir)
            #expect(status == 0, "\(output)")
            let lines = Self.jsonLines(output)
            #expect(lines.count == 1, "rank 0 alone prints the result: \(output)")
            let json = try #require(lines.last)
            #expect(json["ranks"] as? Int == 2 && json["global_batch"] as? Int == 64)
            // Both processes on this host: the gradients are summed through shared memory.
            #expect(json["reduction"] as? String == "shared-memory", "\(json)")
            let accuracy = try #require(json["test_accuracy"] as? Double)
            #expect(accuracy > 0.7 && (json["seconds_per_epoch"] as? Double ?? 0) > 0)
            // One run directory, rank 0's.
            let runs = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("fashion-mnist-mlp") }
            #expect(runs == ["fashion-mnist-mlp-1"], "\(runs)")

            let (singleStatus, _, singleOutput) = try CLIRunOutputsTests.run(Self.small + ["--epochs", "1", "--batch-size", "64",
                                                                                         "--output", "single.safetensors"], in: dir)
            #expect(singleStatus == 0, "\(singleOutput)")
            let single = try CLIRunOutputsTests.result(singleOutput)
            #expect(single["ranks"] as? Int == 1 && single["global_batch"] as? Int == 64)
            // The same 46 steps over the same examples: weights equal up to the order of the sums.
            let difference = try Self.largestDifference("ddp.safetensors", "single.safetensors", in: dir)
            #expect(difference < 1e-3, "largest weight difference \(difference)")
            #expect(abs(accuracy - (single["test_accuracy"] as? Double ?? 0)) <= 0.005)
        }

        /// Two processes on one host sum gradients through shared memory; on integer-valued floats
        /// (exact in any order) the result must equal `MPI_Allreduce`'s bit for bit, for sizes around
        /// the chunk boundaries and one that grows the window, and so must the mean gradients that
        /// `DistributedDataParallel` writes back from its buckets (W12's smoke run checks both).
        @Test(.enabled(if: available && FileManager.default.isExecutableFile(atPath: bench.path),
                       "needs the built synapse-bench tool, Fashion-MNIST and Open MPI"))
        func sharedMemoryReductionEqualsMPIAllreduce() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let (status, output) = try Self.run(ranks: 2, ["W12", "--quick", "--threads", "1", "--no-summary"], in: dir, tool: Self.bench)
            #expect(status == 0, "\(output)")
            let reduce = try #require(Self.jsonLines(output).first { $0["metric"] as? String == "reduce GB/s" }, "\(output)")
            #expect(reduce["shared_memory_reduce"] as? Bool == true, "\(reduce)")
            #expect(reduce["reduce_exact"] as? Bool == true, "\(reduce)")
            // The buckets live in shared memory and are summed there: the mean written back is
            // MPI_Allreduce's, bit for bit, in both of the region's areas.
            #expect(reduce["buckets_in_shared_memory"] as? Bool == true, "\(reduce)")
            #expect(reduce["buckets_exact"] as? Bool == true, "\(reduce)")
            // Two processes sum every bucket while writing the means back, after one barrier.
            #expect(reduce["bucket_sums"] as? String == "write-back", "\(reduce)")
            // The processes wait for each other at the sums' barriers by sleeping, not polling.
            #expect(reduce["sleeping_barrier"] as? Bool == true, "\(reduce)")
            let samples = try #require(Self.jsonLines(output).first { $0["metric"] as? String == "samples/s" }, "\(output)")
            #expect(samples["ranks"] as? Int == 2)
        }

        /// The sleeping barrier counts arrivals: three processes (more than cores here, so some
        /// sleep at every barrier) still sum exactly, in the window and in the buckets — whether
        /// each bucket is summed in place by thirds as it completes, or all of them while the
        /// means are written back (the default up to 4 processes).
        @Test(.enabled(if: available && FileManager.default.isExecutableFile(atPath: bench.path),
                       "needs the built synapse-bench tool, Fashion-MNIST and Open MPI"),
              arguments: ["chunks", "write-back"])
        func threeProcessesSumExactlyThroughTheSleepingBarrier(sums: String) throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let (status, output) = try Self.run(ranks: 3, ["W12", "--quick", "--threads", "1", "--no-summary", "--global-batch", "48"],
                                                in: dir, tool: Self.bench, environment: ["SYNAPSE_MPI_BUCKET_SUMS": sums])
            #expect(status == 0, "\(output)")
            let reduce = try #require(Self.jsonLines(output).first { $0["metric"] as? String == "reduce GB/s" }, "\(output)")
            #expect(reduce["sleeping_barrier"] as? Bool == true, "\(reduce)")
            #expect(reduce["bucket_sums"] as? String == sums, "\(reduce)")
            #expect(reduce["reduce_exact"] as? Bool == true, "\(reduce)")
            #expect(reduce["buckets_exact"] as? Bool == true, "\(reduce)")
        }

        /// Processes that would sum their buckets in different ways (one per bucket, one after a
        /// single barrier) never meet in the same collectives: the model check refuses them at
        /// once, with the setting named, instead of hanging.
        @Test(.enabled(if: available && FileManager.default.isExecutableFile(atPath: bench.path),
                       "needs the built synapse-bench tool, Fashion-MNIST and Open MPI"))
        func processesThatSumDifferentlyAreRefused() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let w12 = [Self.bench.path, "W12", "--quick", "--threads", "1", "--no-summary"]
            let (p, out) = Self.process(launching: ["-np", "1", "-x", "SYNAPSE_MPI_BUCKET_SUMS=chunks"] + w12
                                            + [":", "-np", "1", "-x", "SYNAPSE_MPI_BUCKET_SUMS=write-back"] + w12, in: dir)
            try p.run()
            let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus != 0, "\(output)")
            #expect(output.contains("SYNAPSE_MPI_BUCKET_SUMS"), "\(output)")
        }

        @Test(.enabled(if: available, "needs the built synapse tool, Fashion-MNIST and Open MPI"))
        func aVisionTransformerTrainsDataParallelAsOneProcess() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            var vit = Self.small
            vit[vit.firstIndex(of: "mlp")!] = "vit"
            let (status, output) = try Self.run(ranks: 2, vit + ["--epochs", "1", "--batch-size", "32", "--output", "ddp.safetensors"], in: dir)
            #expect(status == 0, "\(output)")
            let json = try #require(Self.jsonLines(output).last)
            #expect(json["ranks"] as? Int == 2 && json["global_batch"] as? Int == 64)
            let (singleStatus, _, singleOutput) = try CLIRunOutputsTests.run(vit + ["--epochs", "1", "--batch-size", "64",
                                                                                  "--output", "single.safetensors"], in: dir)
            #expect(singleStatus == 0, "\(singleOutput)")
            let single = try CLIRunOutputsTests.result(singleOutput)
            // No dropout by default and per-token normalisation: the same steps as one process
            // (measured 1.2e-3 after 46 Adam steps through 4 blocks; the MLP's bound is 1e-3).
            let difference = try Self.largestDifference("ddp.safetensors", "single.safetensors", in: dir)
            #expect(difference < 5e-3, "largest weight difference \(difference)")
            #expect(abs((json["test_accuracy"] as? Double ?? 0) - (single["test_accuracy"] as? Double ?? 1)) <= 0.005)
        }

        @Test(.enabled(if: available, "needs the built synapse tool, Fashion-MNIST and Open MPI"))
        func shardingTheOptimizerHalvesItsStateAndChangesNoWeight() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let common = Self.small + ["--epochs", "1", "--batch-size", "32"]
            let (s1, plain) = try Self.run(ranks: 2, common + ["--output", "plain.safetensors"], in: dir)
            let (s2, sharded) = try Self.run(ranks: 2, common + ["--output", "sharded.safetensors", "--shard-optimizer"], in: dir)
            #expect(s1 == 0 && s2 == 0, "\(plain)\n\(sharded)")
            let whole = try #require(Self.jsonLines(plain).last?["optimizer_state_mb"] as? Double)
            let share = try #require(Self.jsonLines(sharded).last?["optimizer_state_mb"] as? Double)
            #expect(share < whole * 0.6 && share > whole * 0.4, "rank 0 holds \(share) MB of \(whole) MB")
            let a = try Self.weights(dir.appendingPathComponent("plain.safetensors").path)
            let b = try Self.weights(dir.appendingPathComponent("sharded.safetensors").path)
            #expect(a == b, "the owner's Adam update, copied to the other, is the same update")
            // Without mpirun there is nothing to shard: refused, not ignored.
            let (refused, _, why) = try CLIRunOutputsTests.run(common + ["--shard-optimizer"], in: dir)
            #expect(refused != 0 && why.contains("--shard-optimizer applies to data-parallel training"), "\(why)")
        }

        @Test(.enabled(if: available, "needs the built synapse tool, Fashion-MNIST and Open MPI"))
        func checkpointsResumeWithAnotherNumberOfRanks() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let common = Self.small + ["--batch-size", "32"]
            // Two ranks write the checkpoint, one process continues it...
            let (status, output) = try Self.run(ranks: 2, common + ["--epochs", "1", "--checkpoint-dir", "two"], in: dir)
            #expect(status == 0, "\(output)")
            // The number of processes is no hyperparameter: only the changed epoch count needs --force.
            let (refused, _, why) = try CLIRunOutputsTests.run(common + ["--epochs", "2", "--resume", "two/last.safetensors"], in: dir)
            #expect(refused != 0 && why.contains("--epochs: checkpoint 1, now 2") && !why.contains("batch"), "\(why)")
            let (s1, _, o1) = try CLIRunOutputsTests.run(common + ["--epochs", "2", "--resume", "two/last.safetensors", "--force"], in: dir)
            #expect(s1 == 0, "\(o1)")
            #expect(try CLIRunOutputsTests.result(o1)["epochs"] as? Int == 2)
            // ...and the other way round, at the same global batch (one process × 64, then two × 32).
            let single = Self.small + ["--batch-size", "64"]
            let (s2, _, o2) = try CLIRunOutputsTests.run(single + ["--epochs", "1", "--checkpoint-dir", "one"], in: dir)
            #expect(s2 == 0, "\(o2)")
            let (s3, o3) = try Self.run(ranks: 2, common + ["--epochs", "2", "--resume", "one/last.safetensors", "--force",
                                                            "--output", "resumed.safetensors"], in: dir)
            #expect(s3 == 0 && Self.jsonLines(o3).last?["epochs"] as? Int == 2, "\(o3)")
            // The resumed run continues the trained weights, optimizer state and data order: it ends where
            // one process with batch 64 ends after two epochs, up to the order of the sums.
            let (s4, _, o4) = try CLIRunOutputsTests.run(single + ["--epochs", "2", "--output", "straight.safetensors"], in: dir)
            #expect(s4 == 0, "\(o4)")
            let difference = try Self.largestDifference("resumed.safetensors", "straight.safetensors", in: dir)
            #expect(difference < 1e-3, "resumed weights differ by \(difference)")
        }

        @Test(.enabled(if: available, "needs the built synapse tool, Fashion-MNIST and Open MPI"))
        func aShardedRunResumesItsWeightsAndState() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let common = Self.small + ["--batch-size", "32", "--shard-optimizer"]
            let (s1, o1) = try Self.run(ranks: 2, common + ["--epochs", "1", "--checkpoint-dir", "ck"], in: dir)
            let (s2, o2) = try Self.run(ranks: 2, common + ["--epochs", "2", "--resume", "ck/last.safetensors", "--force",
                                                            "--output", "resumed.safetensors"], in: dir)
            let (s3, o3) = try Self.run(ranks: 2, common + ["--epochs", "2", "--output", "straight.safetensors"], in: dir)
            #expect(s1 == 0 && s2 == 0 && s3 == 0, "\(o1)\n\(o2)\n\(o3)")
            // The checkpoint holds the whole state (gathered from both shards): the resumed run is the same run.
            let difference = try Self.largestDifference("resumed.safetensors", "straight.safetensors", in: dir)
            #expect(difference < 1e-5, "resumed weights differ by \(difference)")
        }

        @Test(.enabled(if: available, "needs the built synapse tool, Fashion-MNIST and Open MPI"))
        func aRankThatDiesOrHangsEndsTheJobWithAnError() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            // Data parallel, and a pipeline whose first stage waits for the stopped second one.
            for (mode, signal) in [([], SIGKILL), ([], SIGSTOP), (["--pipeline"], SIGKILL), (["--pipeline"], SIGSTOP)] {
                let (p, out) = Self.process(ranks: 2, Self.small + mode + ["--epochs", "200", "--batch-size", "32", "--distributed-timeout", "5",
                                                                          "--run-dir", "run-\(mode.count)-\(signal)"], in: dir)
                let collected = OutputCollector(out)
                try p.run()
                defer {
                    for child in Self.children(of: p.processIdentifier) { kill(child, SIGKILL) }
                    if p.isRunning { p.terminate() }
                }
                // Training is under way once rank 0 has reported an epoch.
                let started = Date()
                while !collected.text.contains("epoch 1/") && p.isRunning && Date().timeIntervalSince(started) < 120 { usleep(100_000) }
                #expect(collected.text.contains("epoch 1/"), "\(collected.text)")
                let ranks = Self.children(of: p.processIdentifier)
                #expect(ranks.count == 2, "ranks \(ranks)")
                guard let victim = ranks.last else { continue }
                let hit = Date()
                kill(victim, signal)
                while p.isRunning && Date().timeIntervalSince(hit) < 60 { usleep(100_000) }
                let seconds = Date().timeIntervalSince(hit)
                #expect(!p.isRunning, "\(mode): the job still runs \(Int(seconds)) s after signal \(signal)")
                if !p.isRunning { #expect(p.terminationStatus != 0) }
                if signal == SIGSTOP {
                    // The waiting rank gives up after --distributed-timeout and says why.
                    #expect(collected.text.contains("without an answer"), "\(collected.text)")
                    #expect(seconds >= 4 && seconds < 40, "stopped after \(seconds) s")
                }
            }
        }

        @Test(.enabled(if: available, "needs the built synapse tool, Fashion-MNIST and Open MPI"))
        func onlyImageClassifiersTrainDataParallel() throws {
            let dir = try CLIRunOutputsTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let (status, output) = try Self.run(ranks: 2, ["train", "--dataset", "diabetes", "--epochs", "1"], in: dir)
            #expect(status != 0 && output.contains("data-parallel training (mpirun -np 2) trains image classifiers"), "\(output)")
        }

        /// The direct children of `pid` (the ranks mpirun started on this host).
        static func children(of pid: Int32) -> [Int32] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
            p.arguments = ["-P", String(pid)]
            let out = Pipe()
            p.standardOutput = out
            guard (try? p.run()) != nil else { return [] }
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return text.split(separator: "\n").compactMap { Int32($0) }.sorted()
        }
    }
}

/// Reads a pipe on a background thread so a test can watch a running process's output.
final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    init(_ pipe: Pipe) {
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let chunk = handle.availableData
            guard let self, !chunk.isEmpty else { return }
            self.lock.lock()
            self.data.append(chunk)
            self.lock.unlock()
        }
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }
}
