import SynapseCore

/// Batch normalisation over the channel dimension (dimension 1), shared by `BatchNorm1d`,
/// `BatchNorm2d` and `BatchNorm3d` (PyTorch `_BatchNorm`).
///
/// y = (x − mean) / √(var + eps) · weight + bias, per channel, with statistics over every dimension
/// except the channel one.
///
/// - Training mode (or no running statistics): mean and the *biased* variance of the batch are used,
///   and gradients flow through them. When running statistics are tracked they are updated as
///   `running = (1 − momentum)·running + momentum·batch`, with the *unbiased* batch variance
///   (n/(n − 1) correction) for `running_var`, and `num_batches_tracked` grows by one. With
///   `momentum` nil the update is a cumulative average (factor 1/num_batches_tracked).
/// - Evaluation mode with running statistics: `running_mean` and `running_var` are used; buffers
///   are not changed.
///
/// State-dict names are PyTorch's: `weight`, `bias` (when `affine`), `running_mean`, `running_var`,
/// `num_batches_tracked` (when `trackRunningStats`). `num_batches_tracked` is a scalar stored as
/// Float (PyTorch stores int64; loading such a file converts it).
/// Sums per-channel batch statistics over the processes of a data-parallel job, so that batch
/// normalisation in training uses the mean and variance of the whole global batch
/// (`SyncBatchNorm` in SynapseDistributed installs one in every `BatchNorm` of a model).
public protocol BatchStatisticsSynchronizer: AnyObject {
    /// `local` (a vector) summed element-wise over every process, as a differentiable op: the
    /// gradient it passes back is the upstream gradient summed over every process too.
    func sum(_ local: Tensor) -> Tensor
}

public class BatchNorm: Module, Layer {
    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String { "\(numFeatures), eps: \(eps)" + (momentum.map { ", momentum: \($0)" } ?? "") + (weight == nil ? ", affine: false" : "") }

    /// Number of channels C.
    public let numFeatures: Int
    /// Added to the variance before the square root.
    public let eps: Float
    /// Weight of the batch statistics in the running update; nil for a cumulative average.
    public let momentum: Float?
    /// Per-channel scale γ, [C] (ones at initialisation); nil unless `affine`.
    public let weight: Parameter?
    /// Per-channel shift β, [C] (zeros at initialisation); nil unless `affine`.
    public let bias: Parameter?
    /// Running mean, [C] (zeros at initialisation); nil unless `trackRunningStats`. State-dict name `running_mean`.
    public let runningMean: Buffer?
    /// Running (unbiased) variance, [C] (ones at initialisation); nil unless `trackRunningStats`.
    /// State-dict name `running_var`.
    public let runningVar: Buffer?
    /// Number of training batches seen, a scalar; nil unless `trackRunningStats`.
    /// State-dict name `num_batches_tracked`.
    public let numBatchesTracked: Buffer?

    /// In training, where the batch statistics are summed over the processes of a data-parallel
    /// job (`SyncBatchNorm`); nil: this process's batch alone. Evaluation never communicates.
    public var statisticsSynchronizer: (any BatchStatisticsSynchronizer)?
    /// The layer's name in messages (`BatchNorm1d`, ...).
    let layerName: String
    /// Input ranks the layer accepts (e.g. 2 and 3 for `BatchNorm1d`).
    let acceptedRanks: [Int]
    /// How the accepted shapes are written in messages (e.g. `[N, 6] or [N, 6, L]`).
    let expectedShapes: String

    init(layerName: String, acceptedRanks: [Int], expectedShapes: String, numFeatures: Int, eps: Float,
         momentum: Float?, affine: Bool, trackRunningStats: Bool) {
        require(numFeatures > 0, "\(layerName): numFeatures must be positive, got \(numFeatures)")
        require(eps >= 0, "\(layerName)(\(numFeatures)): eps must be non-negative, got \(eps)")
        self.layerName = layerName
        self.acceptedRanks = acceptedRanks
        self.expectedShapes = expectedShapes
        self.numFeatures = numFeatures
        self.eps = eps
        self.momentum = momentum
        weight = affine ? Parameter(Tensor.ones([numFeatures])) : nil
        bias = affine ? Parameter(Tensor.zeros([numFeatures])) : nil
        runningMean = trackRunningStats ? Buffer(Tensor.zeros([numFeatures])) : nil
        runningVar = trackRunningStats ? Buffer(Tensor.ones([numFeatures])) : nil
        numBatchesTracked = trackRunningStats ? Buffer(Tensor(0)) : nil
        super.init()
    }

    /// True when `weight` and `bias` exist.
    public var affine: Bool { weight != nil }
    /// True when running statistics are kept.
    public var trackRunningStats: Bool { runningMean != nil }

    /// The buffers under PyTorch's state-dict names, in PyTorch's order.
    override public func namedLocalBuffers() -> [(String, Buffer)] {
        guard let runningMean, let runningVar, let numBatchesTracked else { return [] }
        return [("running_mean", runningMean), ("running_var", runningVar), ("num_batches_tracked", numBatchesTracked)]
    }

    /// The message for an input of `shape`, or nil when the layer accepts it.
    func shapeError(_ shape: [Int]) -> String? {
        if acceptedRanks.contains(shape.count) && shape[1] == numFeatures { return nil }
        return "\(layerName)(\(numFeatures)): expected input \(expectedShapes), got \(shape)"
    }

    /// Restores the initial running statistics (mean 0, variance 1, no batches tracked).
    public func resetRunningStats() {
        runningMean?.value = Tensor.zeros([numFeatures])
        runningVar?.value = Tensor.ones([numFeatures])
        numBatchesTracked?.value = Tensor(0)
    }

    /// Normalises `x` of shape [N, C, ...] (see the type's documentation for the modes).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        recordingCall {
            if let message = shapeError(x.shape) { requireFailure(message) }
            let c = numFeatures
            let dims = [0] + Array(2..<x.rank)
            var channelShape = [Int](repeating: 1, count: x.rank)
            channelShape[1] = c

            if !isTraining, let runningMean, let runningVar {
                // y = x·scale + shift with per-channel scale = γ/√(var + eps), shift = β − mean·scale.
                var scale = 1 / sqrt(runningVar.value + eps)
                if let weight { scale = scale * weight.value }
                var shift = -(runningMean.value * scale)
                if let bias { shift = shift + bias.value }
                return x * scale.reshaped(channelShape) + shift.reshaped(channelShape)
            }

            let (n, mean, centered, variance) = batchStatistics(x, dims: dims, channelShape: channelShape)
            if isTraining {
                require(n > 1, "\(layerName)(\(numFeatures)): expected more than 1 value per channel when training, got input \(x.shape)"
                        + (statisticsSynchronizer == nil ? "" : " (over every process)"))
            }
            var scale = 1 / sqrt(variance + eps)
            if let weight { scale = scale * weight.value.reshaped(channelShape) }
            var y = centered * scale
            if let bias { y = y + bias.value.reshaped(channelShape) }

            if isTraining, let runningMean, let runningVar, let numBatchesTracked {
                withoutGradients {
                    let batches = numBatchesTracked.value.item() + 1
                    numBatchesTracked.value = Tensor(batches)
                    let factor = momentum ?? 1 / batches
                    let batchMean = mean.detached().reshaped([c])
                    let unbiased = variance.detached().reshaped([c]) * (Float(n) / Float(n - 1))
                    runningMean.value = runningMean.value * (1 - factor) + batchMean * factor
                    runningVar.value = runningVar.value * (1 - factor) + unbiased * factor
                }
            }
            return y
        }
    }

    /// The values per channel `n`, the batch mean, `x` centred on it and the biased variance — of
    /// this process's batch, or in training with a synchronizer, of every process's batch (two
    /// passes, as here: the sums of x, then of the squared deviations from the global mean).
    private func batchStatistics(_ x: Tensor, dims: [Int], channelShape: [Int])
        -> (n: Int, mean: Tensor, centered: Tensor, variance: Tensor) {
        let c = numFeatures, localCount = x.count / c
        guard isTraining, let synchronizer = statisticsSynchronizer else {
            let mean = x.mean(dims: dims, keepdim: true)
            let centered = x - mean
            return (localCount, mean, centered, square(centered).mean(dims: dims, keepdim: true))
        }
        // The count travels with the sums: processes may hold batches of different sizes.
        let sums = synchronizer.sum(Tensor.cat([x.sum(dims: dims).reshaped([c]), Tensor([Float(localCount)])], dim: 0))
        let total = sums[c].item()
        let n = Int(total.rounded())
        let mean = (sums[0..<c] / max(total, 1)).reshaped(channelShape)
        let centered = x - mean
        let squares = synchronizer.sum(square(centered).sum(dims: dims).reshaped([c]))
        return (n, mean, centered, (squares / max(total, 1)).reshaped(channelShape))
    }
}

/// Batch normalisation of [N, C] or [N, C, L] inputs over the batch (and length) per channel
/// (PyTorch `nn.BatchNorm1d`); see `BatchNorm` for the semantics and state-dict names.
public final class BatchNorm1d: BatchNorm {
    /// A layer for `numFeatures` channels, with PyTorch's defaults.
    public init(_ numFeatures: Int, eps: Float = 1e-5, momentum: Float? = 0.1, affine: Bool = true,
                trackRunningStats: Bool = true) {
        super.init(layerName: "BatchNorm1d", acceptedRanks: [2, 3],
                   expectedShapes: "[N, \(numFeatures)] or [N, \(numFeatures), L]", numFeatures: numFeatures,
                   eps: eps, momentum: momentum, affine: affine, trackRunningStats: trackRunningStats)
    }
}

/// Batch normalisation of [N, C, H, W] inputs over (N, H, W) per channel (PyTorch `nn.BatchNorm2d`);
/// see `BatchNorm` for the semantics and state-dict names.
public final class BatchNorm2d: BatchNorm {
    /// A layer for `numFeatures` channels, with PyTorch's defaults.
    public init(_ numFeatures: Int, eps: Float = 1e-5, momentum: Float? = 0.1, affine: Bool = true,
                trackRunningStats: Bool = true) {
        super.init(layerName: "BatchNorm2d", acceptedRanks: [4], expectedShapes: "[N, \(numFeatures), H, W]",
                   numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine,
                   trackRunningStats: trackRunningStats)
    }
}

/// Batch normalisation of [N, C, D, H, W] inputs over (N, D, H, W) per channel (PyTorch
/// `nn.BatchNorm3d`); see `BatchNorm` for the semantics and state-dict names.
public final class BatchNorm3d: BatchNorm {
    /// A layer for `numFeatures` channels, with PyTorch's defaults.
    public init(_ numFeatures: Int, eps: Float = 1e-5, momentum: Float? = 0.1, affine: Bool = true,
                trackRunningStats: Bool = true) {
        super.init(layerName: "BatchNorm3d", acceptedRanks: [5], expectedShapes: "[N, \(numFeatures), D, H, W]",
                   numFeatures: numFeatures, eps: eps, momentum: momentum, affine: affine,
                   trackRunningStats: trackRunningStats)
    }
}

extension BatchNorm1d {
    /// The fully labelled form with PyTorch's parameter name, `BatchNorm1d(numFeatures: 16)`.
    public convenience init(numFeatures: Int, eps: Float = 1e-5, momentum: Float? = 0.1, affine: Bool = true,
                            trackRunningStats: Bool = true) {
        self.init(numFeatures, eps: eps, momentum: momentum, affine: affine, trackRunningStats: trackRunningStats)
    }
}

extension BatchNorm2d {
    /// The fully labelled form with PyTorch's parameter name, `BatchNorm2d(numFeatures: 16)`.
    public convenience init(numFeatures: Int, eps: Float = 1e-5, momentum: Float? = 0.1, affine: Bool = true,
                            trackRunningStats: Bool = true) {
        self.init(numFeatures, eps: eps, momentum: momentum, affine: affine, trackRunningStats: trackRunningStats)
    }
}

extension BatchNorm3d {
    /// The fully labelled form with PyTorch's parameter name, `BatchNorm3d(numFeatures: 16)`.
    public convenience init(numFeatures: Int, eps: Float = 1e-5, momentum: Float? = 0.1, affine: Bool = true,
                            trackRunningStats: Bool = true) {
        self.init(numFeatures, eps: eps, momentum: momentum, affine: affine, trackRunningStats: trackRunningStats)
    }
}
