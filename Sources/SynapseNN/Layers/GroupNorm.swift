import SynapseCore

/// Group normalisation (PyTorch `nn.GroupNorm`).
///
/// The C channels of an input [N, C, ...] are split into `numGroups` groups of C/G consecutive
/// channels; each (sample, group) is normalised with its own mean and *biased* variance over the
/// group's channels and all trailing dimensions, then scaled and shifted per channel:
/// y = (x − mean) / √(var + eps) · weight[c] + bias[c]. Unlike batch normalisation it keeps no running
/// statistics and behaves the same in training and evaluation mode.
///
/// State-dict names are PyTorch's: `weight` [C] (ones) and `bias` [C] (zeros), present when `affine`.
public final class GroupNorm: Module, Layer {
    /// Number of groups G.
    public let numGroups: Int
    /// Number of channels C (a multiple of G).
    public let numChannels: Int
    /// Added to the variance before the square root.
    public let eps: Float
    /// Per-channel scale, [C]; nil unless `affine`.
    public let weight: Parameter?
    /// Per-channel shift, [C]; nil unless `affine`.
    public let bias: Parameter?

    /// A layer normalising `numChannels` channels in `numGroups` groups, with PyTorch's defaults.
    public init(numGroups: Int, numChannels: Int, eps: Float = 1e-5, affine: Bool = true) {
        require(numGroups > 0 && numChannels > 0,
                     "GroupNorm: numGroups and numChannels must be positive, got \(numGroups) and \(numChannels)")
        require(numChannels % numGroups == 0,
                     "GroupNorm: numChannels (\(numChannels)) must be divisible by numGroups (\(numGroups))")
        require(eps >= 0, "GroupNorm(\(numGroups), \(numChannels)): eps must be non-negative, got \(eps)")
        self.numGroups = numGroups
        self.numChannels = numChannels
        self.eps = eps
        weight = affine ? Parameter(Tensor.ones([numChannels])) : nil
        bias = affine ? Parameter(Tensor.zeros([numChannels])) : nil
        super.init()
    }

    /// True when `weight` and `bias` exist.
    public var affine: Bool { weight != nil }

    /// The message for an input of `shape`, or nil when the layer accepts it.
    func shapeError(_ shape: [Int]) -> String? {
        if shape.count >= 2 && shape[1] == numChannels { return nil }
        return "GroupNorm(\(numGroups), \(numChannels)): expected input [N, \(numChannels), *], got \(shape)"
    }

    /// Normalises `x` of shape [N, C, ...].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        recordingCall {
            if let message = shapeError(x.shape) { requireFailure(message) }
            let n = x.shape[0]
            let grouped = x.reshaped([n, numGroups, x.count / Swift.max(n * numGroups, 1)])
            let mean = grouped.mean(dim: 2, keepdim: true)
            let centered = grouped - mean
            let variance = square(centered).mean(dim: 2, keepdim: true)
            var y = (centered * (1 / sqrt(variance + eps))).reshaped(x.shape)
            var channelShape = [Int](repeating: 1, count: x.rank)
            channelShape[1] = numChannels
            if let weight { y = y * weight.value.reshaped(channelShape) }
            if let bias { y = y + bias.value.reshaped(channelShape) }
            return y
        }
    }
}

extension GroupNorm {
    /// The group and channel counts given positionally, as PyTorch users write `nn.GroupNorm(4, 16)`.
    public convenience init(_ numGroups: Int, _ numChannels: Int, eps: Float = 1e-5, affine: Bool = true) {
        self.init(numGroups: numGroups, numChannels: numChannels, eps: eps, affine: affine)
    }
}
