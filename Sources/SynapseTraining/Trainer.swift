import Foundation
import SynapseCore
import SynapseData
import SynapseIO
import SynapseNN
import SynapseOptim

/// The training loop of Synapse — the only one: epochs over a training `DataLoader` with an
/// optional validation loader, for any model, loss (`TrainingObjective`: classification,
/// regression, language modelling, or your own) and optimizer, extended by callbacks (schedules,
/// early stopping, clipping, logging, checkpoints). The CLI's jobs and the benchmarks run it.
///
/// Runs are epoch-based (`fit(epochs:)`) or step-based (`fit(steps:)`, which may end an epoch
/// early; language models use a sampling loader whose "epoch" is a reporting interval, see
/// `TextWindows`).
///
/// ```swift
/// let trainer = Trainer(model: model, optimizer: Adam(model.parameters()),
///                       objective: .classification(model), train: trainLoader, validation: valLoader,
///                       metrics: TrainingMetrics.accuracy,
///                       callbacks: [EarlyStopping(monitor: "val_loss", patience: 3),
///                                   ModelCheckpoint(directory: dir)])
/// let history = try trainer.fit(epochs: 20)
/// ```
///
/// Per batch: forward, loss check, `zeroGrad`, `backward` (with the gradients reduced across
/// processes in a data-parallel job, see `gradientSynchronizer`; or both at once through the objective's
/// `forwardBackward`, as pipeline parallelism does), (unscaling, see `gradientScaler`) weight
/// penalty, `afterBackward` callbacks, gradient check, optimizer step, `batchEnd` callbacks. Per epoch: weight check, validation in
/// evaluation mode without a tape, then `epochEnd`, history, `epochCommitted`. Epoch logs: `loss` (example-weighted mean training loss),
/// `val_loss`, `val_<metric>` (and `<metric>` on the training set when `trainMetrics`), `lr` (the
/// learning rate at the end of the epoch) and `epoch_seconds`.
///
/// `saveCheckpoint(to:)` / `resume(from:)` capture and restore everything that influences later
/// epochs, so a resumed run reaches bit-identical weights to an uninterrupted one.
///
/// Divergence stops training with `TrainingError.nonFinite` naming the epoch and step: a NaN/inf
/// loss (checked before `backward`), a NaN/inf gradient (checked after the `afterBackward`
/// callbacks, before the optimizer step, which is then not applied) or a NaN/inf weight (checked
/// at the end of each epoch, before validation and checkpoints). Nothing runs after the error, so
/// `ModelCheckpoint` keeps the last good checkpoint. In anomaly mode (`AnomalyDetection`) the first
/// non-finite op is reported as `TrainingError.anomaly`.
public final class Trainer<Train: BatchedDataset, Validation: BatchedDataset> where Validation.Batch == Train.Batch {
    /// The model trained.
    public let model: Module
    /// Its optimizer.
    public let optimizer: any Optimizer
    /// Predictions and loss of a batch.
    public let objective: TrainingObjective<Train.Batch>
    /// Training batches (its shuffling generator is checkpointed).
    public let trainLoader: DataLoader<Train>
    /// Validation batches, if any.
    public let validationLoader: DataLoader<Validation>?
    /// Named metrics computed on each validation pass (names get a `val_` prefix).
    public var metrics: MetricFunction?
    /// Also compute `metrics` on the training predictions of each epoch (costs keeping them).
    public var trainMetrics = false
    /// L1/L2 penalty whose gradient is added after `backward()`.
    public var penalty: WeightPenalty
    /// Callbacks, run in order for every hook.
    public var callbacks: [any TrainingCallback]
    /// The precision of matrix products and convolutions in training and evaluation steps:
    /// `.bfloat16` or `.float16` runs each forward pass inside `autocast` (master weights, optimiser
    /// state, losses and reductions stay Float32; see `Autocast`). `.float16` also turns on dynamic
    /// loss scaling (`gradientScaler`). Default `.float32`.
    public var precision: ComputePrecision = .float32
    /// Dynamic loss scaling (`GradientScaler`): each loss is multiplied by its scale before
    /// `backward()`, and at the end of each group the gradients are divided by it before the weight
    /// penalty, the `afterBackward` callbacks (clipping sees true gradients) and the optimizer step.
    /// A step whose gradients overflowed is skipped — no callbacks before it, no optimizer step, the
    /// batch logs say `skipped_step` = 1 — and still counts as a step (schedules and step budgets
    /// move on, as in PyTorch). Non-finite gradients at the scaler's `minimumScale` are divergence
    /// (`TrainingError.nonFinite`). Epoch logs gain `loss_scale` and `skipped_steps`; checkpoints keep
    /// the scale. Made with PyTorch's defaults when `fit` (or `restore`) starts at `.float16` with
    /// none set; set one for other settings, or with any precision.
    public var gradientScaler: GradientScaler?
    /// Validate every this many epochs (at least 1); the last epoch of a `fit` call is always
    /// validated. Epochs in between log no `val_` values (callbacks that monitor one skip them).
    public var validationInterval = 1
    /// Micro-batches whose gradients are summed before each optimizer step (gradient
    /// accumulation, as Hugging Face's `gradient_accumulation_steps`): each micro-batch's loss is
    /// scaled by 1/k so the step sees the mean gradient of k batches and the effective batch is k
    /// times the loader's; `fit(steps:)`, schedules and `batchEnd` callbacks count optimizer steps.
    /// An epoch's last, shorter group is scaled by its own size. 1 (the default) steps every batch.
    public var accumulationSteps = 1 {
        didSet { require(accumulationSteps >= 1, "Trainer: accumulationSteps must be at least 1, got \(accumulationSteps)") }
    }
    /// Data-parallel training: reduces each step's gradients across processes during and after
    /// the backward pass of the step's last micro-batch (see `GradientSynchronizer`,
    /// `DistributedDataParallel`). Nil (the default) trains in this process alone.
    public var gradientSynchronizer: (any GradientSynchronizer)?
    /// Optimizer steps in one epoch: the loader's batches divided by `accumulationSteps`, rounded up.
    public var stepsPerEpoch: Int { (trainLoader.count + accumulationSteps - 1) / accumulationSteps }
    /// Random generators saved in checkpoints and restored on resume, by name. Include every
    /// generator the model draws from during training (e.g. a `Dropout` generator). Defaults to
    /// the global generator.
    public var generators: [String: RandomGenerator]
    /// State shared with callbacks.
    public let context: TrainingContext

    /// Creates a trainer.
    public init(model: Module, optimizer: any Optimizer, objective: TrainingObjective<Train.Batch>,
                train: DataLoader<Train>, validation: DataLoader<Validation>?, metrics: MetricFunction? = nil,
                penalty: WeightPenalty = WeightPenalty(), callbacks: [any TrainingCallback] = [],
                generators: [String: RandomGenerator] = ["global": .global]) {
        self.model = model
        self.optimizer = optimizer
        self.objective = objective
        self.trainLoader = train
        self.validationLoader = validation
        self.metrics = metrics
        self.penalty = penalty
        self.callbacks = callbacks
        self.generators = generators
        context = TrainingContext(model: model, optimizer: optimizer)
        context.makeCheckpoint = { [weak self] in self?.checkpoint() ?? Checkpoint() }
    }

    /// Trains until `context.epoch == epochs` (continuing after a resume) or a callback stops
    /// training; returns the history of all epochs so far.
    /// - Throws: `TrainingError` (divergence, an epoch without optimizer steps, an empty validation
    ///   set) and what callbacks throw.
    @discardableResult
    public func fit(epochs: Int) throws -> TrainingHistory {
        try begin(targetEpochs: epochs, targetSteps: nil)
        while context.epoch < epochs && !context.stopTraining {
            try runEpoch(isLast: context.epoch + 1 == epochs)
        }
        for c in callbacks { try c.trainEnd(context) }
        return context.history
    }

    /// Trains until `context.globalStep == steps` (continuing after a resume) or a callback stops
    /// training; returns the history of all epochs so far. Epochs are passes of the training loader
    /// as in `fit(epochs:)`; the last one ends early when the step budget runs out mid-epoch (it is
    /// still closed: weight check, validation, epoch callbacks, history).
    /// - Throws: as `fit(epochs:)`.
    @discardableResult
    public func fit(steps: Int) throws -> TrainingHistory {
        let perEpoch = max(stepsPerEpoch, 1)
        let remaining = max(steps - context.globalStep, 0)
        try begin(targetEpochs: context.epoch + (remaining + perEpoch - 1) / perEpoch, targetSteps: steps)
        while context.globalStep < steps && !context.stopTraining {
            try runEpoch(isLast: context.globalStep + perEpoch >= steps)
        }
        for c in callbacks { try c.trainEnd(context) }
        return context.history
    }

    /// What both `fit` variants do first: check that an epoch takes a step, set the targets, run `trainBegin`.
    private func begin(targetEpochs: Int, targetSteps: Int?) throws {
        makeDefaultScaler()
        guard trainLoader.count > 0 else {
            throw TrainingError.noOptimizerSteps(examples: trainLoader.dataset.count, batchSize: trainLoader.batchSize,
                                                 dropLast: trainLoader.dropLast)
        }
        context.targetEpochs = targetEpochs
        context.targetSteps = targetSteps
        context.batchesPerEpoch = trainLoader.count
        context.stopTraining = false
        context.stopReason = nil
        for c in callbacks { try c.trainBegin(context) }
    }

    /// Float16 gradients underflow without loss scaling: a float16 run gets PyTorch's default scaler.
    private func makeDefaultScaler() {
        if precision == .float16 && gradientScaler == nil { gradientScaler = GradientScaler() }
    }

    /// One epoch (cut short at `context.targetSteps`); `isLast`: the run's final epoch, always validated.
    private func runEpoch(isLast: Bool) throws {
        context.epoch += 1
        context.epochLogs = [:]
        context.batchIndex = 0
        context.samplesInEpoch = 0
        for c in callbacks { try c.epochBegin(context) }
        model.train()
        let start = Date()
        let parameters = optimizer.parameters
        let check = DivergenceCheck(parameters: parameters, model: model)
        let epoch = context.epoch
        var lossSum = 0.0, steps = 0
        var predictions: [Tensor] = [], targets: [Tensor] = []
        let keepPredictions = trainMetrics && metrics != nil
        // Without callbacks nothing reads the batch logs: skipping them keeps the step free of
        // per-batch dictionary allocations (the benchmarks time this path).
        let hasCallbacks = !callbacks.isEmpty
        let stepLimit = context.targetSteps ?? Int.max
        let batchCount = trainLoader.count, k = accumulationSteps
        var groupLoss = 0.0, groupSamples = 0
        let scaler = gradientScaler
        var skippedSteps = 0
        for (index, batch) in trainLoader.enumerated() {
            if context.globalStep >= stepLimit { break }
            context.batchIndex = index
            // The first micro-batch of a group clears the gradients; the group's size scales the loss.
            let positionInGroup = index % k
            let groupSize = min(k, batchCount - (index - positionInGroup))
            let lossFactor = (scaler?.scale ?? 1) / Float(groupSize)
            let output: Tensor, lossValue: Double
            if let forwardBackward = objective.forwardBackward {
                // Pipelined: the objective interleaves forward and backward itself; its loss is
                // checked after it (the optimizer step, which a non-finite loss stops, comes later).
                require(gradientSynchronizer == nil, "Trainer: an objective with forwardBackward (pipeline parallelism) "
                        + "cannot be combined with a gradientSynchronizer (data parallelism)")
                if positionInGroup == 0 { optimizer.zeroGrad() }
                let result = try autocast(precision) { try forwardBackward(batch, lossFactor) }
                output = result.predictions
                lossValue = Double(result.loss)
                try check.anomaly(epoch: epoch, step: index + 1)
                try check.loss(result.loss, epoch: epoch, step: index + 1)
            } else {
                let (predictions, loss) = autocast(precision) { objective.forward(batch) }
                output = predictions
                try check.anomaly(epoch: epoch, step: index + 1)
                lossValue = Double(loss.item())
                try check.loss(Float(lossValue), epoch: epoch, step: index + 1)
                if positionInGroup == 0 { optimizer.zeroGrad() }
                let scaledLoss = lossFactor == 1 ? loss : loss * lossFactor
                // Gradients are reduced across processes once per step, with its last micro-batch.
                if let sync = gradientSynchronizer, positionInGroup == groupSize - 1 {
                    sync.beginBackward()
                    scaledLoss.backward(leafGradientReady: sync.gradientReady)
                    try sync.finishBackward()
                } else {
                    scaledLoss.backward()
                }
            }
            try check.anomaly(epoch: epoch, step: index + 1)
            let n = output.rank > 0 ? output.shape[0] : 1
            context.samplesInEpoch += n
            lossSum += lossValue * Double(n)
            groupLoss += lossValue * Double(n)
            groupSamples += n
            if keepPredictions {
                predictions.append(output.detached())
                targets.append(objective.targets(batch))
            }
            guard positionInGroup == groupSize - 1 else { continue }
            if hasCallbacks {
                context.batchLogs = ["loss": groupLoss / Double(max(groupSamples, 1)), "lr": Double(optimizer.learningRate)]
                if let scaler { context.batchLogs["loss_scale"] = Double(scaler.scale) }
            }
            groupLoss = 0
            groupSamples = 0
            // Loss scaling: true gradients before anything reads them; an overflow skips the step.
            var skipStep = false
            if let scaler, !scaler.unscaleGradients(of: parameters) {
                // At the smallest scale nothing is left to back off: the gradients themselves diverged.
                if scaler.scale <= scaler.minimumScale { try check.gradients(epoch: epoch, step: index + 1) }
                skipStep = true
                skippedSteps += 1
                if hasCallbacks { context.batchLogs["skipped_step"] = 1 }
            }
            if !skipStep {
                penalty.addGradients(to: parameters)
                var gradientsProvenFinite = false
                if hasCallbacks {
                    for c in callbacks { try c.afterBackward(context) }
                    // A finite clipping norm already proves every gradient finite; otherwise one pass each.
                    gradientsProvenFinite = context.batchLogs["grad_norm"]?.isFinite ?? false
                }
                if !gradientsProvenFinite { try check.gradients(epoch: epoch, step: index + 1) }
                optimizer.step()
            }
            scaler?.update()
            steps += 1
            context.globalStep += 1
            if hasCallbacks {
                for c in callbacks { try c.batchEnd(context) }
                if context.stopTraining { break }
            }
        }
        guard steps > 0 else {
            throw TrainingError.noOptimizerSteps(examples: trainLoader.dataset.count, batchSize: trainLoader.batchSize,
                                                 dropLast: trainLoader.dropLast)
        }
        // Steps with finite gradients can still overflow a weight (e.g. SGD with a huge rate): one
        // pass per epoch, before anything (validation, checkpoints) uses the weights.
        try check.weights(epoch: epoch, step: steps)
        var logs: [String: Double] = ["loss": lossSum / Double(max(context.samplesInEpoch, 1))]
        if let metrics, !predictions.isEmpty {
            for (k, v) in metrics(Tensor.cat(predictions, dim: 0), Tensor.cat(targets, dim: 0)) { logs[k] = v }
        }
        logs["epoch_seconds"] = Date().timeIntervalSince(start)
        if let scaler {
            logs["loss_scale"] = Double(scaler.scale)
            logs["skipped_steps"] = Double(skippedSteps)
        }
        if let validationLoader, isLast || epoch % max(validationInterval, 1) == 0 {
            for (k, v) in try evaluate(validationLoader) { logs["val_" + k] = v }
        }
        logs["lr"] = Double(optimizer.learningRate)
        context.epochLogs = logs
        for c in callbacks { try c.epochEnd(context) }
        context.history.append(epoch: context.epoch, values: context.epochLogs)
        for c in callbacks { try c.epochCommitted(context) }
    }

    /// Loss (example-weighted mean) and metrics of the model on `loader`, in evaluation mode
    /// without recording a tape; the model's mode is restored afterwards.
    /// - Throws: `TrainingError.emptyEvaluationSet` when the loader yields no example;
    ///   `.evaluationFailed` when the objective's `evaluationForward` fails.
    public func evaluate<D: BatchedDataset>(_ loader: DataLoader<D>) throws(TrainingError) -> [String: Double] where D.Batch == Train.Batch {
        guard loader.dataset.count > 0 else { throw .emptyEvaluationSet(name: "validation") }
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        // A Result carries the typed error through `withoutGradients` (which rethrows untyped).
        let outcome = withoutGradients { () -> Result<[String: Double], TrainingError> in
            var lossSum = 0.0, count = 0
            var predictions: [Tensor] = [], targets: [Tensor] = []
            for batch in loader {
                let output: Tensor, lossValue: Double
                if let evaluationForward = objective.evaluationForward {
                    do {
                        let result = try autocast(precision) { try evaluationForward(batch) }
                        (output, lossValue) = (result.predictions, Double(result.loss))
                    } catch {
                        return .failure(.evaluationFailed(reason: "\(error)"))
                    }
                } else {
                    let (predicted, loss) = autocast(precision) { objective.forward(batch) }
                    (output, lossValue) = (predicted, Double(loss.item()))
                }
                let n = output.rank > 0 ? output.shape[0] : 1
                lossSum += lossValue * Double(n)
                count += n
                if metrics != nil {
                    predictions.append(output)
                    targets.append(objective.targets(batch))
                }
            }
            var logs = ["loss": lossSum / Double(max(count, 1))]
            if let metrics, !predictions.isEmpty {
                for (k, v) in metrics(Tensor.cat(predictions, dim: 0), Tensor.cat(targets, dim: 0)) { logs[k] = v }
            }
            return .success(logs)
        }
        return try outcome.get()
    }

    // MARK: Checkpoints

    /// The checkpoint entry of `gradientScaler`'s state.
    static var scalerKey: String { "gradient_scaler" }

    /// The complete training state now.
    public func checkpoint() -> Checkpoint {
        var c = Checkpoint()
        c.epoch = context.epoch
        c.globalStep = context.globalStep
        c.model = model.stateDict()
        c.optimizer = optimizer.stateDict()
        c.learningRate = optimizer.learningRate
        c.optimizerType = String(describing: type(of: optimizer))
        c.history = context.history
        for (name, g) in generators { c.generators[name] = g.state }
        c.generators["loader.train"] = trainLoader.generatorState
        if let validationLoader { c.generators["loader.validation"] = validationLoader.generatorState }
        for case let cb as any CheckpointableCallback in callbacks { c.callbacks[cb.checkpointKey] = cb.checkpointState() }
        if let gradientScaler { c.callbacks[Self.scalerKey] = CallbackState(values: gradientScaler.stateDict()) }
        return c
    }

    /// Writes `checkpoint()` atomically to `url`; refuses (writing nothing) when a weight is NaN or ±inf.
    public func saveCheckpoint(to url: URL) throws(CheckpointError) {
        do { try model.checkWeightsFinite() } catch { throw .writeFailed(path: url.path, reason: error.description) }
        try checkpoint().write(to: url)
    }

    /// Restores the state saved in the checkpoint at `url`; the trainer must be built as the one
    /// that wrote it (same model, optimizer type, checkpointable callbacks and generator names).
    /// Then `fit(epochs:)` continues after the saved epoch.
    public func resume(from url: URL) throws(CheckpointError) {
        try restore(Checkpoint.read(from: url), path: url.path)
    }

    /// Restores a checkpoint already in memory; `path` names it in errors.
    public func restore(_ c: Checkpoint, path: String = "<memory>") throws(CheckpointError) {
        // Check everything that can be checked before changing anything.
        let optimizerType = String(describing: type(of: optimizer))
        guard c.optimizerType == optimizerType else {
            throw .mismatch(path: path, reason: "it holds \(c.optimizerType) state but the optimizer is \(optimizerType)")
        }
        var generatorStates: [(RandomGenerator, [UInt64])] = []
        for (name, g) in generators {
            guard let s = c.generators[name] else { throw .mismatch(path: path, reason: "no state for random generator '\(name)'") }
            generatorStates.append((g, s))
        }
        guard let loaderState = c.generators["loader.train"] else {
            throw .mismatch(path: path, reason: "no state for the training loader's generator")
        }
        let checkpointable = callbacks.compactMap { $0 as? any CheckpointableCallback }
        for cb in checkpointable where c.callbacks[cb.checkpointKey] == nil {
            throw .mismatch(path: path, reason: "no state for callback '\(cb.checkpointKey)'")
        }
        do { try model.loadStateDict(c.model) } catch { throw .mismatch(path: path, reason: error.description) }
        do { try optimizer.loadStateDict(c.optimizer) } catch { throw .mismatch(path: path, reason: error.description) }
        optimizer.learningRate = c.learningRate
        makeDefaultScaler()
        // A run saved without loss scaling resumes with a fresh scaler; one saved with it restores the
        // scale (a trainer without a scaler ignores it).
        if let gradientScaler, let state = c.callbacks[Self.scalerKey] {
            do { try gradientScaler.loadStateDict(state.values) } catch { throw .mismatch(path: path, reason: error.description) }
        }
        for cb in checkpointable {
            do { try cb.restore(from: c.callbacks[cb.checkpointKey]!) } catch {
                throw .mismatch(path: path, reason: "callback '\(cb.checkpointKey)': \(error.reason)")
            }
        }
        for (g, s) in generatorStates { g.state = s }
        trainLoader.generatorState = loaderState
        if let validationLoader, let s = c.generators["loader.validation"] { validationLoader.generatorState = s }
        context.epoch = c.epoch
        context.globalStep = c.globalStep
        context.history = c.history
    }
}

extension Trainer where Validation == Train {
    /// A trainer without validation data.
    public convenience init(model: Module, optimizer: any Optimizer, objective: TrainingObjective<Train.Batch>,
                            train: DataLoader<Train>, metrics: MetricFunction? = nil,
                            penalty: WeightPenalty = WeightPenalty(), callbacks: [any TrainingCallback] = [],
                            generators: [String: RandomGenerator] = ["global": .global]) {
        self.init(model: model, optimizer: optimizer, objective: objective, train: train, validation: nil,
                  metrics: metrics, penalty: penalty, callbacks: callbacks, generators: generators)
    }
}
