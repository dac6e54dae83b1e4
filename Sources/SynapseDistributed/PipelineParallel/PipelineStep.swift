import Foundation
import SynapseCore

/// One batch on one pipeline stage: the micro-batches' tensors between their forward and backward
/// passes, the messages to the neighbouring stages, and the schedules that order them (training's
/// GPipe and 1F1B, and inference's forward passes alone).
///
/// Every activation and gradient travels as a header (its shape) and its values, on a stream of its
/// own per pair of stages (a tag), so each receiver checks what arrives against what it expects.
/// Calls block until done, in program order, so neighbours' calls match pairwise.
final class PipelineStep {
    private let pipeline: PipelineParallel
    private let communicator: any Communicator
    private let inputs: Tensor
    private let ranges: [Range<Int>]
    private let batch: Int
    private let lossFactor: Float
    private let loss: ((Tensor, Range<Int>) -> Tensor)?
    /// Whether micro-batches are kept for a backward pass (training) or dropped once sent on (inference).
    private let training: Bool
    private let stage: Int, stageCount: Int
    private var isFirst: Bool { stage == 0 }
    private var isLast: Bool { stage == stageCount - 1 }

    // Per micro-batch, released by its backward pass.
    private var stageInputs: [Tensor?], stageOutputs: [Tensor?], losses: [Tensor?]
    /// The last stage's outputs, per micro-batch (detached).
    private(set) var outputs: [Tensor?]
    /// The batch's mean loss so far (last stage).
    private(set) var lossSum = 0.0
    /// Seconds spent in the stage's passes.
    private(set) var computeSeconds = 0.0
    /// The most micro-batches whose activations were alive at once.
    private(set) var peakLive = 0
    private var live = 0

    /// A training step (`training`, with a `loss`) or an inference pass (loss optional).
    init(pipeline: PipelineParallel, inputs: Tensor, training: Bool, lossFactor: Float = 1, loss: ((Tensor, Range<Int>) -> Tensor)?) {
        precondition(!training || loss != nil, "PipelineStep: a training step needs a loss")
        self.pipeline = pipeline
        communicator = pipeline.communicator
        self.inputs = inputs
        batch = inputs.shape[0]
        ranges = PipelineParallel.microBatchRanges(examples: batch, count: pipeline.microBatches)
        self.lossFactor = lossFactor
        self.loss = loss
        self.training = training
        stage = pipeline.stageIndex
        stageCount = pipeline.stageCount
        stageInputs = Array(repeating: nil, count: ranges.count)
        stageOutputs = stageInputs
        losses = stageInputs
        outputs = stageInputs
    }

    // MARK: Schedules

    /// Every micro-batch's forward pass in order, each output sent on at once: inference alone
    /// (nothing kept for a backward pass), or GPipe's fill when training.
    func runForwardPasses() throws(DistributedError) {
        for m in ranges.indices {
            let output = forward(m, input: try input(m))
            if !isLast { try sendActivation(output) }
        }
    }

    /// GPipe: every forward pass in order (the fill), then every backward pass in reverse (the drain).
    func runGPipe() throws(DistributedError) {
        try runForwardPasses()
        for m in ranges.indices.reversed() {
            let gradient = backward(m, upstream: isLast ? nil : try receiveGradient(m))
            if let gradient { try sendGradient(gradient) }
        }
    }

    /// 1F1B (Megatron-LM's non-interleaved schedule): warm-up forward passes, then one forward and
    /// one backward pass in turn, exchanging each new activation for the oldest pending gradient
    /// with the next stage and each input gradient for the next activation with the previous one;
    /// then the remaining backward passes. Every pair of neighbours issues matching calls in the
    /// same order, so blocking calls never wait on each other.
    func runOneForwardOneBackward() throws(DistributedError) {
        let count = ranges.count
        let warmUp = min(stageCount - stage - 1, count), steady = count - warmUp
        for m in 0..<warmUp {
            let output = forward(m, input: try input(m))
            if !isLast { try sendActivation(output) }
        }
        var next: Tensor? = steady > 0 ? try input(warmUp) : nil
        for i in 0..<steady {
            let m = warmUp + i
            let output = forward(m, input: next!)
            // The next stage's gradient for the oldest micro-batch, in exchange for this activation.
            let upstream = isLast ? nil : try exchangeActivation(output, forGradientOf: i)
            let gradient = backward(i, upstream: upstream)
            if i == steady - 1 {
                next = nil
                if let gradient { try sendGradient(gradient) }
            } else if let gradient {
                next = try exchangeGradient(gradient, forActivationOf: m + 1)
            } else {
                next = try input(m + 1)
            }
        }
        for i in steady..<count {
            let gradient = backward(i, upstream: isLast ? nil : try receiveGradient(i))
            if let gradient { try sendGradient(gradient) }
        }
    }

    // MARK: Passes

    /// The stage's forward pass of micro-batch `m` (and its loss on the last stage), kept for
    /// backward when training.
    private func forward(_ m: Int, input: Tensor) -> Tensor {
        let start = Self.now()
        let output = pipeline.stage(input)
        if isLast {
            if let loss {
                let microLoss = loss(output, ranges[m])
                lossSum += Double(microLoss.item()) * Double(ranges[m].count) / Double(batch)
                if training { losses[m] = microLoss }
            }
            outputs[m] = output.detached()
        }
        computeSeconds += Self.now() - start
        if training {
            stageInputs[m] = input
            stageOutputs[m] = output
            live += 1
            peakLive = max(peakLive, live)
        }
        return output
    }

    /// The stage's backward pass of micro-batch `m` from the next stage's gradient of its output
    /// (the loss on the last stage); returns the gradient of its input for the previous stage (nil
    /// on the first) and releases the micro-batch's tensors.
    private func backward(_ m: Int, upstream: Tensor?) -> Tensor? {
        let start = Self.now()
        if isLast, let microLoss = losses[m] {
            // The micro-batch's share of the batch makes the summed gradients the batch mean's.
            let weighted = microLoss * (lossFactor * Float(ranges[m].count) / Float(batch))
            if weighted.requiresGrad { weighted.backward() }
        } else if let output = stageOutputs[m], output.requiresGrad, let upstream {
            output.backward(upstream)
        }
        computeSeconds += Self.now() - start
        let input = stageInputs[m]!
        stageInputs[m] = nil
        stageOutputs[m] = nil
        losses[m] = nil
        live -= 1
        guard !isFirst else { return nil }
        return input.grad ?? Tensor.zeros(input.shape)
    }

    // MARK: Messages

    /// Each kind of message has its own stream between two stages.
    enum Tag {
        static let activation = 7101
        static let gradient = 7102
    }

    private static let headerCount = PipelineParallel.headerCount

    /// Micro-batch `m`'s input: the batch's examples on the first stage, else the previous stage's activation.
    private func input(_ m: Int) throws(DistributedError) -> Tensor {
        if isFirst { return inputs[ranges[m]] }
        let header = try communicator.receive(count: Self.headerCount, from: stage - 1, tag: Tag.activation)
        return try checkedActivation(receiveValues(header: header, from: stage - 1, tag: Tag.activation), of: m)
    }

    /// An activation must hold micro-batch `m`'s examples (else the stages read different batches).
    private func checkedActivation(_ activation: Tensor, of m: Int) throws(DistributedError) -> Tensor {
        guard activation.shape.first == ranges[m].count else {
            throw .mismatch(reason: "rank \(stage - 1) sent an activation of shape \(activation.shape) for micro-batch \(m), which has "
                            + "\(ranges[m].count) examples on rank \(stage): the processes read different batches")
        }
        return training ? activation.requiringGrad() : activation
    }

    // Sends block until the neighbour takes the message. Left to the communicator's thread instead,
    // they were slower when every core computes (two stages on two cores): Open MPI's polling for the
    // pending send took the core from the stage's computation (GPipe at 8 micro-batches: 0.81× one
    // process against 1.09× with blocking sends, bench-pipeline.sh on a 2-core Zen 4).
    private func sendActivation(_ output: Tensor) throws(DistributedError) {
        try communicator.send(PipelineParallel.header(output.shape), to: stage + 1, tag: Tag.activation)
        try communicator.send(output.contiguous().scalars, to: stage + 1, tag: Tag.activation)
    }

    private func sendGradient(_ gradient: Tensor) throws(DistributedError) {
        try communicator.send(PipelineParallel.header(gradient.shape), to: stage - 1, tag: Tag.gradient)
        try communicator.send(gradient.contiguous().scalars, to: stage - 1, tag: Tag.gradient)
    }

    /// The next stage's gradient of micro-batch `m`'s output (whose shape it must have).
    private func receiveGradient(_ m: Int) throws(DistributedError) -> Tensor {
        let header = try communicator.receive(count: Self.headerCount, from: stage + 1, tag: Tag.gradient)
        return try checkedGradient(receiveValues(header: header, from: stage + 1, tag: Tag.gradient), of: m)
    }

    /// Sends `output` to the next stage while receiving its gradient of micro-batch `m`'s output.
    private func exchangeActivation(_ output: Tensor, forGradientOf m: Int) throws(DistributedError) -> Tensor {
        let shape = try PipelineParallel.shape(fromHeader: communicator.sendReceive(
            PipelineParallel.header(output.shape), to: stage + 1, sendTag: Tag.activation,
            count: Self.headerCount, from: stage + 1, receiveTag: Tag.gradient), sender: stage + 1)
        let values = try communicator.sendReceive(output.contiguous().scalars, to: stage + 1, sendTag: Tag.activation,
                                                  count: shape.reduce(1, *), from: stage + 1, receiveTag: Tag.gradient)
        return try checkedGradient(Tensor(shape: shape, scalars: values), of: m)
    }

    /// Sends `gradient` to the previous stage while receiving its activation for micro-batch `m`.
    private func exchangeGradient(_ gradient: Tensor, forActivationOf m: Int) throws(DistributedError) -> Tensor {
        let shape = try PipelineParallel.shape(fromHeader: communicator.sendReceive(
            PipelineParallel.header(gradient.shape), to: stage - 1, sendTag: Tag.gradient,
            count: Self.headerCount, from: stage - 1, receiveTag: Tag.activation), sender: stage - 1)
        let values = try communicator.sendReceive(gradient.contiguous().scalars, to: stage - 1, sendTag: Tag.gradient,
                                                  count: shape.reduce(1, *), from: stage - 1, receiveTag: Tag.activation)
        return try checkedActivation(Tensor(shape: shape, scalars: values), of: m)
    }

    private func receiveValues(header: [Float], from source: Int, tag: Int) throws(DistributedError) -> Tensor {
        let shape = try PipelineParallel.shape(fromHeader: header, sender: source)
        return Tensor(shape: shape, scalars: try communicator.receive(count: shape.reduce(1, *), from: source, tag: tag))
    }

    /// A gradient must have the shape of the output it belongs to.
    private func checkedGradient(_ gradient: Tensor, of m: Int) throws(DistributedError) -> Tensor {
        guard let output = stageOutputs[m], gradient.shape == output.shape else {
            throw .mismatch(reason: "rank \(stage + 1) sent a gradient of shape \(gradient.shape) for micro-batch \(m), "
                            + "whose output on rank \(stage) has shape \(stageOutputs[m]?.shape ?? [])")
        }
        return gradient
    }

    /// Seconds on a monotonic clock.
    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}
