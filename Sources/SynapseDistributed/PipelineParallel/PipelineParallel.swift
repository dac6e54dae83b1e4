import Foundation
import SynapseCore
import SynapseNN
import SynapseOptim

/// What one pipelined batch gives every stage.
public struct PipelineBatchResult {
    /// The last stage's outputs for the whole batch (its micro-batches concatenated in order).
    public let outputs: Tensor
    /// The batch's mean loss: each micro-batch's mean loss weighted by its share of the examples,
    /// which is the whole batch's mean. NaN when no loss was given.
    public let loss: Float
}

/// Where a stage's time in pipelined training steps went.
public struct PipelineStatistics: Sendable, Equatable {
    /// Training steps recorded.
    public var steps = 0
    /// Their wall time on this stage, from the start of each step to its last gradient sent.
    public var stepSeconds = 0.0
    /// The part of it spent running the stage's forward and backward passes.
    public var computeSeconds = 0.0
    /// The most micro-batches whose activations this stage held at once (GPipe: all of a batch's;
    /// 1F1B: at most S−s).
    public var peakLiveMicroBatches = 0

    /// The steps' share of time this stage did not compute: waiting for its neighbours (the
    /// pipeline's fill and drain) or moving activations. GPipe's theoretical figure for equal stages
    /// and free communication is `PipelineParallel.theoreticalBubbleFraction`.
    public var bubbleFraction: Double { stepSeconds > 0 ? max(0, 1 - computeSeconds / stepSeconds) : 0 }

    /// Figures for `steps` steps.
    public init(steps: Int = 0, stepSeconds: Double = 0, computeSeconds: Double = 0, peakLiveMicroBatches: Int = 0) {
        self.steps = steps
        self.stepSeconds = stepSeconds
        self.computeSeconds = computeSeconds
        self.peakLiveMicroBatches = peakLiveMicroBatches
    }
}

/// Pipeline parallelism with GPipe's schedule: a chain of layers (a `Sequential`'s `layers`) is cut
/// into one contiguous stage per process, and each batch is split into micro-batches that flow
/// through the stages, so every process holds and computes only its part of the model.
///
/// Per training batch (`trainStep`), each stage runs the forward pass of every micro-batch in
/// order — receiving its input from the previous stage and sending its output on with
/// point-to-point messages as soon as it is made (the fill) — then the backward passes in reverse
/// order, receiving each output's gradient from the next stage and sending its input's gradient
/// back (the drain). The last stage computes each micro-batch's loss, weighted by its share of the
/// batch, so the gradients summed over the micro-batches are the single-process gradients of the
/// whole batch (up to the order of floating-point sums), and finally sends the outputs and loss to
/// every stage. Each stage's optimizer then updates its own parameters.
///
/// While the first micro-batch fills the pipeline and the last drains it, stages wait: with S
/// stages of equal cost and M micro-batches, a fraction (S−1)/(M+S−1) of each step is idle (the
/// "bubble"). `statistics` measures it per stage. More micro-batches shrink it, at the price of
/// smaller, less efficient matrix products. With GPipe's order the activations of all
/// micro-batches stay alive until the drain (no re-materialisation); the 1F1B `schedule` interleaves
/// forward and backward passes so stage s holds at most S−s of them, with the same bubble and
/// gradients. Layers that use batch statistics (`BatchNorm`) see micro-batches, not the batch.
/// Layers must not share parameters across stages.
///
/// With `Trainer`, train the process's `stage` with an optimizer over its parameters and an
/// objective whose `forwardBackward` runs `trainStep` (`classificationObjective()`); every process
/// iterates the same batches (no `DistributedSampler`):
///
/// ```swift
/// let world = try MPICommunicator.world()
/// let pipeline = try PipelineParallel(layers: model.layers, communicator: world, microBatches: 8)
/// let trainer = Trainer(model: pipeline.stage, optimizer: Adam(pipeline.stage.parameters()),
///                       objective: pipeline.classificationObjective(), train: loader, validation: testLoader,
///                       metrics: TrainingMetrics.accuracy)
/// try trainer.fit(epochs: 5)
/// try pipeline.gatherWeights(to: 0)  // rank 0's copy of the whole chain now holds every trained stage
/// ```
public final class PipelineParallel {
    /// The processes, one stage each (stage = rank).
    public let communicator: any Communicator
    /// The whole chain; every process builds it alike and runs only its stage's part.
    public let layers: [any Layer]
    /// The first layer of each stage.
    public let stageStarts: [Int]
    /// Micro-batches per batch (fewer when a batch has fewer examples).
    public let microBatches: Int
    /// The order of each stage's forward and backward passes.
    public let schedule: PipelineSchedule
    /// The layers this process runs.
    public let stage: PipelineStage
    /// Time spent in training steps so far (see `gatherStatistics` for every stage's).
    public private(set) var statistics = PipelineStatistics()

    /// This process's stage.
    public var stageIndex: Int { communicator.rank }
    /// The number of stages (processes).
    public var stageCount: Int { communicator.worldSize }
    /// Whether this stage reads the inputs.
    public var isFirstStage: Bool { stageIndex == 0 }
    /// Whether this stage computes the outputs and the loss.
    public var isLastStage: Bool { stageIndex == stageCount - 1 }

    // The tag of `gatherWeights`' messages: a stream of its own, apart from the steps' activations
    // and gradients (`PipelineStep.Tag`).
    private static let weightsTag = 7103

    // An activation's or gradient's shape travels before its values: the rank, then up to 8 sizes.
    static let headerCount = 9

    /// Cuts `layers` into one stage per process of `communicator` and checks that every process
    /// has the same chain and cut.
    /// - Parameters:
    ///   - layers: the chain, built alike by every process (e.g. with the same seed).
    ///   - microBatches: micro-batches per batch (GPipe's M; at least 1).
    ///   - balance: where the stages start (default: equal parameter counts).
    ///   - schedule: GPipe (the default) or 1F1B.
    /// - Throws: `DistributedError.unsupported` for a chain shorter than the processes, bad stage
    ///   starts or parameters shared across stages; `.mismatch` when processes differ; the
    ///   communicator's errors.
    public init(layers: [any Layer], communicator: any Communicator, microBatches: Int = 4,
                balance: PipelineBalance = .parameters, schedule: PipelineSchedule = .gpipe) throws(DistributedError) {
        let size = communicator.worldSize
        guard microBatches >= 1 else { throw .unsupported(reason: "a pipeline needs at least one micro-batch per batch, got \(microBatches)") }
        guard layers.count >= size else {
            throw .unsupported(reason: "a chain of \(layers.count) layers cannot fill \(size) pipeline stages (one per process): use at most \(layers.count) processes")
        }
        let starts: [Int]
        switch balance {
        case .starts(let given):
            guard given.count == size, given.first == 0, zip(given, given.dropFirst()).allSatisfy({ $0 < $1 }), (given.last ?? 0) < layers.count else {
                throw .unsupported(reason: "pipeline stage starts \(given) must be \(size) increasing layer indices from 0 and below \(layers.count), one per process")
            }
            starts = given
        case .parameters:
            starts = PipelinePartition.balanced(costs: PipelinePartition.parameterCosts(layers), stages: size)
        case .measured(let sample):
            // Timings differ between processes: rank 0's hold everywhere, so every process cuts alike.
            var costs = communicator.rank == 0 ? PipelinePartition.measuredCosts(layers, sample: sample).map { Float($0) }
                : [Float](repeating: 0, count: layers.count)
            try communicator.broadcast(&costs, root: 0, label: "rank 0's layer timings for the pipeline's balance")
            starts = PipelinePartition.balanced(costs: costs.map(Double.init), stages: size)
        }
        self.communicator = communicator
        self.layers = layers
        self.stageStarts = starts
        self.microBatches = microBatches
        self.schedule = schedule
        let range = Self.range(ofStage: communicator.rank, starts: starts, layerCount: layers.count)
        stage = PipelineStage(layers: Array(layers[range]), indices: range)
        try checkNoSharedParameters()
        try checkSameLayout()
    }

    /// The layers of stage `index`.
    public func layerRange(ofStage index: Int) -> Range<Int> {
        Self.range(ofStage: index, starts: stageStarts, layerCount: layers.count)
    }

    private static func range(ofStage index: Int, starts: [Int], layerCount: Int) -> Range<Int> {
        starts[index]..<(index + 1 < starts.count ? starts[index + 1] : layerCount)
    }

    /// GPipe's idle share of a step for `stages` equal stages and `microBatches` micro-batches:
    /// (S−1)/(M+S−1).
    public static func theoreticalBubbleFraction(stages: Int, microBatches: Int) -> Double {
        Double(stages - 1) / Double(max(microBatches + stages - 1, 1))
    }

    /// The examples of each micro-batch when `examples` are split into `count` (as equal as
    /// possible, the first ones one larger; never empty).
    public static func microBatchRanges(examples: Int, count: Int) -> [Range<Int>] {
        let m = max(1, min(count, examples))
        let base = examples / m, extra = examples % m
        var start = 0
        return (0..<m).map { i in
            let size = base + (i < extra ? 1 : 0)
            defer { start += size }
            return start..<(start + size)
        }
    }

    // MARK: Training and inference

    /// One training batch through the pipeline: the forward and backward passes of its
    /// micro-batches in the order of `schedule`, accumulating this stage's parameter gradients
    /// (clear them before, step the optimizer after). Every process calls it with the same batch; the first stage reads
    /// `inputs`, the last calls `loss`.
    /// - Parameters:
    ///   - inputs: the batch's inputs `[B, ...]`.
    ///   - lossFactor: what the batch's mean loss is multiplied by before backward (gradient
    ///     accumulation's 1/k, loss scaling).
    ///   - loss: a micro-batch's mean loss from its outputs and its examples' range in the batch.
    /// - Returns: the outputs and the batch's mean loss (unscaled), on every stage.
    /// - Throws: the communicator's errors (a stage that failed, or hangs past its timeout).
    public func trainStep(inputs: Tensor, lossFactor: Float = 1,
                          loss: @escaping (_ outputs: Tensor, _ examples: Range<Int>) -> Tensor) throws(DistributedError) -> PipelineBatchResult {
        require(inputs.rank >= 1, "PipelineParallel.trainStep: inputs need a batch dimension, got shape \(inputs.shape)")
        let start = PipelineStep.now()
        let step = PipelineStep(pipeline: self, inputs: inputs, training: true, lossFactor: lossFactor, loss: loss)
        switch schedule {
        case .gpipe: try step.runGPipe()
        case .oneForwardOneBackward: try step.runOneForwardOneBackward()
        }
        statistics.steps += 1
        statistics.stepSeconds += PipelineStep.now() - start
        statistics.computeSeconds += step.computeSeconds
        statistics.peakLiveMicroBatches = max(statistics.peakLiveMicroBatches, step.peakLive)
        let outputs = isLastStage ? Tensor.cat(step.outputs.map { $0! }, dim: 0) : nil
        return try share(outputs: outputs, loss: isLastStage ? Float(step.lossSum) : .nan)
    }

    /// The batch's outputs (and mean loss, when `loss` is given) through the pipeline without
    /// gradients — evaluation and prediction. Every process calls it with the same batch.
    /// - Throws: the communicator's errors.
    public func forward(_ inputs: Tensor, loss: ((_ outputs: Tensor, _ examples: Range<Int>) -> Tensor)? = nil) throws(DistributedError) -> PipelineBatchResult {
        require(inputs.rank >= 1, "PipelineParallel.forward: inputs need a batch dimension, got shape \(inputs.shape)")
        let outcome = withoutGradients { () -> Result<PipelineBatchResult, DistributedError> in
            do throws(DistributedError) {
                let step = PipelineStep(pipeline: self, inputs: inputs, training: false, loss: loss)
                try step.runForwardPasses()
                return .success(try share(outputs: isLastStage ? Tensor.cat(step.outputs.map { $0! }, dim: 0) : nil,
                                          loss: isLastStage && loss != nil ? Float(step.lossSum) : .nan))
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }

    // MARK: Whole-model operations

    /// Copies every stage's parameters and buffers into `root`'s copy of the whole chain, so that
    /// process holds the trained model (to evaluate, save or serve it alone). Every process calls it.
    /// - Throws: the communicator's errors.
    public func gatherWeights(to root: Int = 0) throws(DistributedError) {
        guard stageCount > 1 else { return }
        for other in 0..<stageCount where other != root {
            let tensors = Self.stateTensors(of: Array(layers[layerRange(ofStage: other)]))
            if stageIndex == other {
                var flat: [Float] = []
                for t in tensors { flat += t.value.contiguous().scalars }
                try communicator.send(flat, to: root, tag: Self.weightsTag)
            } else if stageIndex == root {
                let flat = try communicator.receive(count: tensors.reduce(0) { $0 + $1.value.count }, from: other, tag: Self.weightsTag)
                var offset = 0
                for t in tensors {
                    let n = t.value.count, shape = t.value.shape
                    t.assign(Tensor(shape: shape, scalars: Array(flat[offset..<(offset + n)])))
                    offset += n
                }
            }
        }
    }

    /// The norm of the whole model's gradients from this stage's (`GradientClipping.totalNorm` of
    /// its parameters): what gradient clipping by norm needs when the parameters are spread over
    /// stages (`GradientClippingCallback.combineNorm`). Every process calls it.
    /// - Throws: the communicator's errors.
    public func combinedGradientNorm(_ localNorm: Double, normType: Double) throws(DistributedError) -> Double {
        let all = try communicator.allGather([localNorm], label: "every pipeline stage's gradient norm")
        return GradientClipping.combinedNorm(all.map { $0[0] }, normType: normType)
    }

    /// Every stage's `statistics`, in stage order. Every process calls it.
    /// - Throws: the communicator's errors.
    public func gatherStatistics() throws(DistributedError) -> [PipelineStatistics] {
        let mine = [Double(statistics.steps), statistics.stepSeconds, statistics.computeSeconds, Double(statistics.peakLiveMicroBatches)]
        return try communicator.allGather(mine, label: "every pipeline stage's timings")
            .map { PipelineStatistics(steps: Int($0[0]), stepSeconds: $0[1], computeSeconds: $0[2], peakLiveMicroBatches: Int($0[3])) }
    }

    /// Forgets the timings so far (e.g. after a warm-up).
    public func resetStatistics() { statistics = PipelineStatistics() }

    // MARK: Messages

    /// The header announcing a tensor of `shape` (its rank, then its sizes).
    static func header(_ shape: [Int]) -> [Float] {
        require(shape.count <= headerCount - 1, "PipelineParallel: a stage's output has \(shape.count) dimensions (shape \(shape)); "
                + "at most \(headerCount - 1) travel between stages")
        require(shape.allSatisfy { $0 <= 16_777_216 }, "PipelineParallel: a stage's output of shape \(shape) has a dimension above 2^24, "
                + "more than its header can carry")
        return [Float(shape.count)] + shape.map(Float.init) + [Float](repeating: 0, count: headerCount - 1 - shape.count)
    }

    /// Sends the last stage's outputs and loss to every stage (a header, then the values).
    private func share(outputs: Tensor?, loss: Float) throws(DistributedError) -> PipelineBatchResult {
        if stageCount == 1, let outputs { return PipelineBatchResult(outputs: outputs, loss: loss) }
        var header = [Float](repeating: 0, count: Self.headerCount + 1)
        if let outputs { header = [loss] + Self.header(outputs.shape) }
        let last = stageCount - 1
        try communicator.broadcast(&header, root: last, label: "the last pipeline stage's outputs")
        let shape = try Self.shape(fromHeader: Array(header.dropFirst()), sender: last)
        if let outputs {
            var values = outputs.contiguous().scalars
            try communicator.broadcast(&values, root: last, label: "the last pipeline stage's outputs")
            return PipelineBatchResult(outputs: outputs, loss: loss)
        }
        var values = [Float](repeating: 0, count: shape.reduce(1, *))
        try communicator.broadcast(&values, root: last, label: "the last pipeline stage's outputs")
        return PipelineBatchResult(outputs: Tensor(shape: shape, scalars: values), loss: header[0])
    }

    /// The shape a header describes; a malformed one means the processes run different programs.
    static func shape(fromHeader header: [Float], sender: Int) throws(DistributedError) -> [Int] {
        guard let first = header.first, first >= 1, first <= Float(headerCount - 1), first == first.rounded(),
              header.count >= 1 + Int(first) else {
            throw .mismatch(reason: "rank \(sender) sent a malformed activation header \(header)")
        }
        let sizes = header[1...Int(first)]
        // Sizes travel as Float, exact up to 2^24.
        guard sizes.allSatisfy({ $0 >= 0 && $0 == $0.rounded() && $0 <= 16_777_216 }) else {
            throw .mismatch(reason: "rank \(sender) sent a malformed activation header \(header)")
        }
        let shape = sizes.map { Int($0) }
        guard shape.reduce(1, { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }) <= 1 << 31 else {
            throw .mismatch(reason: "rank \(sender) announced an activation of shape \(shape), too large to receive")
        }
        return shape
    }

    // MARK: Checks

    /// The parameters and buffers of `layers`, in a fixed order, as assignable tensors.
    private static func stateTensors(of layers: [any Layer]) -> [StateTensor] {
        layers.flatMap { layer -> [StateTensor] in
            let module = layer as Module
            return module.parameters().map { p in StateTensor(value: p.value) { p.value = $0 } }
                + module.namedBuffers().map { b in StateTensor(value: b.1.value) { b.1.value = $0 } }
        }
    }

    /// A layer that appears in two stages would be updated by two optimizers that never agree.
    private func checkNoSharedParameters() throws(DistributedError) {
        var owner: [ObjectIdentifier: Int] = [:]
        for s in 0..<stageCount {
            for index in layerRange(ofStage: s) {
                for p in (layers[index] as Module).parameters() {
                    let id = ObjectIdentifier(p)
                    if let first = owner[id], first != s {
                        throw .unsupported(reason: "layer \(index) shares a parameter with a layer of pipeline stage \(first); "
                                           + "shared (tied) parameters must stay within one stage (choose other stage starts)")
                    }
                    owner[id] = s
                }
            }
        }
    }

    /// Every process must have the same chain (parameter and buffer shapes per layer), cut and
    /// micro-batch count, else activations would not fit the next stage or messages would wait forever.
    private func checkSameLayout() throws(DistributedError) {
        var checksum: UInt64 = 1469598103934665603
        func mix(_ value: Int) { checksum = (checksum ^ UInt64(bitPattern: Int64(value))) &* 1099511628211 }
        for layer in layers {
            let module = layer as Module
            for shape in module.parameters().map(\.shape) + module.namedBuffers().map(\.1.value.shape) { shape.forEach(mix); mix(-1) }
            mix(-2)
        }
        mix(schedule.code)
        let mine = [Double(layers.count), Double(microBatches), Double(checksum & ((1 << 52) - 1))] + stageStarts.map(Double.init)
        let all = try communicator.allGather(mine, label: "the check that every pipeline stage has the same chain")
        for (rank, theirs) in all.enumerated() where theirs != mine {
            throw .mismatch(reason: "rank \(rank) has a chain of \(Int(theirs[0])) layers, \(Int(theirs[1])) micro-batches and stage starts "
                + "\(theirs.dropFirst(3).map { Int($0) }); rank \(stageIndex) has \(layers.count) layers, \(microBatches) micro-batches and "
                + "stage starts \(stageStarts)" + (theirs[0] == mine[0] && theirs[1] == mine[1] && theirs.dropFirst(3) == mine.dropFirst(3)
                                                    ? ", with other parameter shapes or schedule" : ""))
        }
    }
}

/// A parameter's or buffer's value with a way to replace it.
private struct StateTensor {
    let value: Tensor
    let assign: (Tensor) -> Void
}
