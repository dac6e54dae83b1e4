import Foundation
import SynapseDistributed
import SynapseCore
import SynapseEval
import SynapseTraining

/// Where an image run's data comes from.
public enum ImageDataSource: Sendable, Equatable {
    /// A built-in IDX dataset (its own train and test splits).
    case builtIn(ImageDatasetChoice)
    /// A user's image folder (split per class by the job).
    case folder(ImageFolderSource)
}

/// Everything that defines an image-classifier training run (`synapse train --dataset
/// fashion-mnist|mnist`); the CLI fills it from its flags. Defaults are the recipe's (W2/W3).
public struct ImageTrainingOptions: Sendable {
    /// Where the images come from: a built-in dataset or a user's image folder.
    public var source: ImageDataSource
    /// The network.
    public var model: ImageClassifierKind
    /// Passes over the training set (early stopping may end sooner).
    public var epochs = 5
    /// Examples per step (the last partial batch of each epoch is dropped).
    public var batchSize = 128
    /// Adam's learning rate.
    public var learningRate: Double = 1e-3
    /// Seed of the initialisation and shuffling.
    public var seed: UInt64 = 0
    /// Schedule, clipping, early stopping, checkpoints, resume, logs, progress bar.
    public var controls = TrainingControls()
    /// Where the trained weights go (safetensors).
    public var output: URL
    /// Transfer learning: a CNN's weights file (another run's, e.g. trained on MNIST) whose
    /// convolution stages (`features.*`) start this run; the head is new.
    public var initFrom: URL?
    /// Freeze the convolution stages (only the head trains); needs `initFrom`.
    public var freezeFeatures = false
    /// Hidden widths of the MLP (nil: the recipe's 512, 256); only for `model` mlp. A narrow MLP
    /// is the usual student of distillation.
    public var hiddenSizes: [Int]? = nil
    /// The Vision Transformer's patch size (nil: the recipe's 7); only for `model` vit. The other
    /// sizes are `VisionTransformerSizes`' defaults.
    public var patchSize: Int? = nil
    /// The share of the training split used (stratified: the first of each class): 1 uses it all.
    public var trainFraction = 1.0
    /// Built-in datasets: train on the first 90% of the training split and validate (`val_loss`,
    /// early stopping, best checkpoints) on the last 10% — the fixed validation split that
    /// `synapse calibrate` fits on — instead of on the test split. Recorded in the weights'
    /// metadata (`validation_split`). `trainFraction` then applies to the 90%.
    public var holdOutValidation = false
    /// Adversarial training: each batch is attacked (PGD, or FGSM with a random start) against the
    /// current model and the loss mixes clean and adversarial cross-entropy. ε is in the model's
    /// input units (pixels in [0, 1] for the built-in datasets); adversarial inputs are clipped to
    /// the training images' range. Recorded in the weights' metadata (`adversarial_training`).
    public var adversarial: AdversarialTraining? = nil
    /// Data-parallel training (`mpirun -np N`): the job's processes. Each trains on its
    /// `DistributedSampler` share with `batchSize` examples per step (the global batch is
    /// `batchSize` × processes, as in PyTorch's DDP), gradients are averaged by
    /// `DistributedDataParallel`, and only rank 0 logs, checkpoints and saves. Nil or one process:
    /// a plain run.
    public var communicator: (any Communicator)? = nil
    /// Data-parallel training: the most mebibytes of gradient reduced at once (see
    /// `DistributedDataParallel`; default 25, as PyTorch's DDP).
    public var bucketCapacityMB = 25.0
    /// Data-parallel training: shard Adam's state over the processes (ZeRO-1,
    /// `ZeroRedundancyOptimizer`): each keeps the moments of about 1/N of the parameters.
    public var shardOptimizerState = false
    /// Pipeline-parallel training instead of data parallel (with `communicator`): the network's
    /// chain of layers (`LayerChain`: the MLP and the CNN) is cut into one stage per process and
    /// each batch of `batchSize` examples runs as this many micro-batches through them (GPipe,
    /// `PipelineParallel`); every process reads the same batches. Nil: data parallel.
    public var pipelineMicroBatches: Int? = nil
    /// Pipeline-parallel training: the first layer of each stage in the network's chain (stage 0
    /// starts at 0). Nil: stages of equal measured time (`PipelineBalance.measured`).
    public var pipelineStageStarts: [Int]? = nil
    /// Pipeline-parallel training: GPipe's order of passes (the default) or 1F1B's.
    public var pipelineSchedule = PipelineSchedule.gpipe

    /// The recipe's options for `model` on `dataset`, saving to `output`.
    public init(dataset: ImageDatasetChoice, model: ImageClassifierKind, output: URL) {
        self.source = .builtIn(dataset)
        self.model = model
        self.output = output
    }

    /// The recipe's options for `model` on a user's image folder, saving to `output`.
    public init(folder: ImageFolderSource, model: ImageClassifierKind, output: URL) {
        self.source = .folder(folder)
        self.model = model
        self.output = output
    }

    /// The built-in dataset, or nil for an image folder.
    public var dataset: ImageDatasetChoice? {
        if case .builtIn(let d) = source { return d }
        return nil
    }

    /// The dataset's name (`fashion-mnist`, or the image folder's name).
    public var datasetName: String {
        switch source {
        case .builtIn(let d): d.rawValue
        case .folder(let f): f.name
        }
    }

    /// The epoch logs of the run (the test split is the validation set: `val_loss`, `val_accuracy`).
    public static let loggedNames = MonitorNames.classification

    /// Checks ranges; throws `PipelineError.invalidOption` naming the flag.
    public func validate() throws(PipelineError) {
        if epochs <= 0 { throw .invalidOption(name: "epochs", reason: "must be positive, got \(epochs)") }
        if batchSize <= 0 { throw .invalidOption(name: "batch-size", reason: "must be positive, got \(batchSize)") }
        if !(learningRate > 0 && learningRate.isFinite) { throw .invalidOption(name: "lr", reason: "must be a positive number, got \(learningRate)") }
        if !(trainFraction > 0 && trainFraction <= 1) {
            throw .invalidOption(name: "train-fraction", reason: "must lie in (0, 1], got \(trainFraction)")
        }
        if let hiddenSizes {
            if model != .mlp { throw .invalidOption(name: "hidden", reason: "sets the MLP's hidden widths; --model \(model.rawValue) has fixed layers") }
            if hiddenSizes.isEmpty || hiddenSizes.contains(where: { $0 <= 0 || $0 > TabularEvaluationJob.maxWidth })
                || hiddenSizes.count > TabularEvaluationJob.maxLayers {
                throw .invalidOption(name: "hidden", reason: "needs 1 to \(TabularEvaluationJob.maxLayers) widths from 1 to \(TabularEvaluationJob.maxWidth), got \(hiddenSizes)")
            }
        }
        if let patchSize {
            if model != .vit { throw .invalidOption(name: "patch-size", reason: "sets a Vision Transformer's patch size; use --model vit (not \(model.rawValue))") }
            if patchSize <= 0 || patchSize > 4096 { throw .invalidOption(name: "patch-size", reason: "must lie in 1...4096, got \(patchSize)") }
        }
        if initFrom != nil && model != .cnn {
            throw .invalidOption(name: "init-from", reason: "transfers a CNN's convolution stages: use --model cnn (not \(model.rawValue))")
        }
        if holdOutValidation, case .folder = source {
            throw .invalidOption(name: "hold-out-validation", reason: "applies to the built-in datasets; an image folder's validation split is --validation-fraction")
        }
        if freezeFeatures && initFrom == nil {
            throw .invalidOption(name: "freeze-features", reason: "freezes pretrained convolution stages: give them with --init-from")
        }
        if let adversarial {
            do { try adversarial.validate() } catch { throw .invalidOption(name: "adversarial", reason: error.description) }
            if adversarial.attack.epsilon <= 0 {
                throw .invalidOption(name: "adversarial-eps", reason: "must be positive, got \(adversarial.attack.epsilon)")
            }
        }
        try validatePipeline()
        try controls.validate(loggedNames: Self.loggedNames)
    }

    /// Pipeline-parallel training needs a chain of layers and covers what each stage can do alone.
    private func validatePipeline() throws(PipelineError) {
        guard let microBatches = pipelineMicroBatches else {
            if pipelineStageStarts != nil { throw .invalidOption(name: "stage-starts", reason: "cuts a pipeline into stages: add --pipeline") }
            return
        }
        if microBatches < 1 || microBatches > batchSize {
            throw .invalidOption(name: "micro-batches", reason: "must lie in 1...\(batchSize) (the batch size), got \(microBatches)")
        }
        if model == .vit {
            throw .invalidOption(name: "pipeline", reason: "cuts a chain of layers into stages: use --model mlp or cnn (a ViT's blocks are not one chain yet)")
        }
        if let starts = pipelineStageStarts, starts.first != 0 || zip(starts, starts.dropFirst()).contains(where: { $0 >= $1 }) {
            throw .invalidOption(name: "stage-starts", reason: "must be increasing layer indices starting at 0, got \(starts)")
        }
        if shardOptimizerState { throw .invalidOption(name: "shard-optimizer", reason: "shards data-parallel replicas' optimizer state; a pipeline stage already holds only its own") }
        if adversarial != nil { throw .invalidOption(name: "adversarial", reason: "needs input gradients through the whole network: not with --pipeline") }
        // Each stage's loss scaler would see only its own gradients' overflow and skip steps alone.
        if controls.precision == .float16 {
            throw .invalidOption(name: "precision", reason: "fp16's loss scaling is not coordinated across pipeline stages yet: use bf16 or fp32 with --pipeline")
        }
        if controls.checkpointDirectory != nil || controls.resume != nil {
            throw .invalidOption(name: controls.resume != nil ? "resume" : "checkpoint-dir",
                                 reason: "pipeline-parallel runs do not write or resume checkpoints yet (each process holds one stage); train data parallel, or without checkpoints")
        }
    }

    /// The options that decide what the run learns, by flag name, as text (recorded in checkpoints;
    /// `--resume` refuses a run whose values differ unless forced).
    public var hyperparameters: [String: String] {
        var h = controls.hyperparameters.merging(["dataset": datasetName, "model": model.rawValue, "epochs": String(epochs),
                                                  "batch-size": String(batchSize), "lr": String(learningRate), "seed": String(seed)]) { _, b in b }
        if let initFrom { h["init-from"] = initFrom.path }
        if freezeFeatures { h["freeze-features"] = "true" }
        if trainFraction < 1 { h["train-fraction"] = String(trainFraction) }
        if holdOutValidation { h["hold-out-validation"] = "true" }
        if let patchSize { h["patch-size"] = String(patchSize) }
        if let hiddenSizes { h["hidden"] = hiddenSizes.map(String.init).joined(separator: ",") }
        if let adversarial { h["adversarial"] = adversarial.summary }
        if case .folder(let f) = source {
            h["image-size"] = "\(f.options.height)x\(f.options.width)"
            h["channels"] = f.options.color.map { String($0.channels) } ?? "detect"
            h["test-fraction"] = String(f.testFraction)
            h["validation-fraction"] = String(f.validationFraction)
        }
        return h
    }
}
