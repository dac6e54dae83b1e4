import ArgumentParser

extension TrainCommand {
    /// What kind of run a dataset makes; each kind reads its own flags.
    enum RunKind: String {
        case image, tabular, text
        /// Node classification or link prediction on a graph.
        case graph
        /// Fine-tuning a pretrained encoder on labelled text.
        case textClassification
        /// One-class anomaly detection on an image dataset.
        case anomaly
        /// A recommender on user–item interactions.
        case recommendation
        /// A class-conditional diffusion model on an image dataset.
        case diffusion
    }

    var runKind: RunKind {
        if ownData.csv != nil { return .tabular }
        if ownData.images != nil { return .image }
        if dataset.textClassification != nil { return .textClassification }
        if dataset.graph != nil { return .graph }
        if dataset.isRecommendation { return .recommendation }
        if model.anomalyDetector != nil && dataset.imageDataset != nil { return .anomaly }
        if model == .ddpm && dataset.imageDataset != nil { return .diffusion }
        return dataset.isText ? .text : dataset.isTabular ? .tabular : .image
    }

    /// Flags every kind of run reads.
    static let commonFlags = ["--dataset", "--model", "--batch-size", "--lr", "--seed", "--threads", "--output", "--run-dir",
                              "--overwrite", "--no-progress", "--config", "--log-dir", "--detect-anomaly", "--intended-use", "--distributed-timeout", "--bucket-mb", "--shard-optimizer"]

    /// Flags only some kinds of run read, by kind.
    static func specificFlags(_ kind: RunKind, dataset: DatasetName) -> [String] {
        switch kind {
        case .image: return ["--epochs", "--hidden", "--train-fraction", "--init-from", "--freeze-features", "--hold-out-validation", "--patch-size", "--adversarial", "--adversarial-eps",
                              "--adversarial-norm", "--adversarial-steps", "--adversarial-mix", "--pipeline", "--micro-batches", "--stage-starts", "--pipeline-schedule"] + controlFlags
        case .tabular: return ["--epochs", "--hidden"] + controlFlags + (dataset.tabularBenchmark?.task == .forecasting ? ["--window"] : [])
        case .text:
            return ["--steps", "--context", "--eval-batches", "--log-every", "--sample-length", "--prompt", "--temperature", "--top-k"]
                + controlFlags
        case .textClassification: return ["--epochs", "--train-fraction"] + controlFlags + FineTuneOptions.flags
        case .graph: return ["--epochs", "--hidden", "--fanout"] + controlFlags.filter { $0 != "--precision" }
        case .anomaly: return ["--epochs", "--hidden"] + AnomalyOptions.flags + controlFlags
        case .recommendation: return ["--epochs", "--top-k", "--temperature"] + RecommendationFlags.flags + controlFlags.filter { $0 != "--precision" }
        case .diffusion: return ["--epochs"] + DiffusionFlags.flags + controlFlags
        }
    }

    /// The training controls every kind of run reads (the shared `TrainingControls`).
    static let controlFlags = ["--patience", "--monitor", "--lr-schedule", "--clip-norm", "--checkpoint-dir", "--checkpoint-every",
                               "--resume", "--force", "--precision"]

    /// The dataset-specific flags given on the command line (or in --config).
    private var givenSpecificFlags: [String] {
        let p = pipeline
        let given: [(String, Bool)] = [
            ("--epochs", epochs != nil), ("--steps", steps != nil), ("--context", context != nil),
            ("--eval-batches", evalBatches != nil), ("--log-every", logEvery != nil), ("--sample-length", sampleLength != nil),
            ("--prompt", prompt != nil), ("--temperature", temperature != nil), ("--top-k", topK != nil),
            ("--hidden", p.hidden != nil), ("--patience", p.patience != nil), ("--monitor", p.monitor != nil),
            ("--lr-schedule", p.lrSchedule != nil), ("--clip-norm", p.clipNorm != nil), ("--checkpoint-dir", p.checkpointDir != nil),
            ("--checkpoint-every", p.checkpointEvery != nil),
            ("--resume", p.resume != nil), ("--force", p.force), ("--window", p.window != nil), ("--precision", p.precision != nil),
            ("--train-fraction", trainFraction != nil), ("--init-from", initFrom != nil), ("--freeze-features", freezeFeatures),
            ("--hold-out-validation", holdOutValidation), ("--adversarial", adversarial != nil), ("--adversarial-eps", adversarialEps != nil),
            ("--adversarial-norm", adversarialNorm != nil), ("--adversarial-steps", adversarialSteps != nil),
            ("--adversarial-mix", adversarialMix != nil), ("--fanout", fanout != nil), ("--patch-size", patchSize != nil),
            ("--pipeline", pipelineParallel), ("--micro-batches", microBatches != nil), ("--stage-starts", stageStarts != nil),
            ("--pipeline-schedule", pipelineSchedule != nil),
        ]
        return given.filter(\.1).map(\.0) + fineTune.given + anomaly.given + recommendation.given + diffusion.given
    }

    /// Refuses flags the chosen dataset's run would silently ignore (`--prompt` on a tabular run),
    /// naming the flags that do apply.
    func rejectInapplicableFlags() throws {
        let kind = runKind
        // A CSV file is never a forecasting dataset, whatever the (unused) --dataset default says.
        let applicable = Self.specificFlags(kind, dataset: ownData.csv != nil ? .breastCancer : dataset)
        let refused = givenSpecificFlags.filter { !applicable.contains($0) }
        guard !refused.isEmpty else { return }
        let description = switch kind {
        case .image: "an image dataset"
        case .tabular: dataset.tabularBenchmark?.task == .forecasting ? "a forecasting dataset" : "a tabular dataset"
        case .text: "a text corpus"
        case .textClassification: "labelled text"
        case .graph: "a graph"
        case .anomaly: "an image dataset for anomaly detection"
        case .recommendation: "user–item interactions for recommendation"
        case .diffusion: "an image dataset for a diffusion model"
        }
        let data = ownData.csv.map { "--csv \($0) (a CSV file)" } ?? ownData.images.map { "--images \($0) (an image folder)" }
            ?? "--dataset \(dataset.rawValue) (\(description))"
        throw ValidationError("\(refused.joined(separator: ", ")) \(refused.count == 1 ? "does" : "do") not apply to "
                              + "\(data); the flags that apply are \((applicable + ownDataFlags + Self.commonFlags).joined(separator: ", "))")
    }

    /// The own-data flags of the run's source (`--label`, ... with `--csv`; `--image-size`, ... with `--images`).
    private var ownDataFlags: [String] {
        ownData.csv != nil ? OwnDataOptions.csvFlags : ownData.images != nil ? OwnDataOptions.imageFlags : runKind == .graph ? ["--task"] : []
    }

    /// Refuses flags that apply to the dataset but that the other flags leave without effect: a
    /// `--monitor` nothing watches (no early stopping, no best checkpoint), sampling settings of a
    /// sample that is not generated (`--sample-length 0`).
    func rejectIdleFlags() throws {
        let patience = pipeline.patience ?? (runKind == .tabular ? 20 : 0)
        if pipeline.monitor != nil && patience == 0 && pipeline.checkpointDir == nil {
            throw ValidationError("--monitor only applies with early stopping (--patience above 0) or --checkpoint-dir (best.safetensors)")
        }
        if sampleLength == 0 {
            let idle = [("--prompt", prompt != nil), ("--temperature", temperature != nil), ("--top-k", topK != nil)].filter(\.1).map(\.0)
            if !idle.isEmpty {
                throw ValidationError("\(idle.joined(separator: ", ")) only \(idle.count == 1 ? "applies" : "apply") when a sample is "
                                      + "generated: --sample-length is 0")
            }
        }
    }
}
