import Synchronization
import SynapseCore

/// The range an activation takes during training, as an exponential moving average of each batch's
/// minimum and maximum (PyTorch's `MovingAverageMinMaxObserver`, QAT's default activation observer):
/// the first batch sets it, each later one moves it by `averagingConstant` of the difference.
public struct MovingAverageRange: Sendable, Equatable {
    /// How far each batch moves the range (PyTorch's default 0.01).
    public let averagingConstant: Float
    /// The range so far; nil before the first batch with finite values.
    public private(set) var range: (min: Float, max: Float)?

    /// An empty range moving by `averagingConstant` (in (0, 1]) per batch.
    public init(averagingConstant: Float = 0.01) {
        require(averagingConstant > 0 && averagingConstant <= 1, "MovingAverageRange: averaging constant must be in (0, 1], got \(averagingConstant)")
        self.averagingConstant = averagingConstant
    }

    /// Moves the range towards `x`'s minimum and maximum (NaN and infinities skipped).
    public mutating func observe(_ x: Tensor) {
        var lo = Float.infinity, hi = -Float.infinity
        x.contiguous().withUnsafeBufferPointer { p in
            for v in p where v.isFinite {
                lo = Swift.min(lo, v)
                hi = Swift.max(hi, v)
            }
        }
        guard lo <= hi else { return }
        if let (a, b) = range {
            range = (a + averagingConstant * (lo - a), b + averagingConstant * (hi - b))
        } else {
            range = (lo, hi)
        }
    }

    /// Equal when the constants and ranges are equal.
    public static func == (a: MovingAverageRange, b: MovingAverageRange) -> Bool {
        a.averagingConstant == b.averagingConstant && a.range?.min == b.range?.min && a.range?.max == b.range?.max
    }
}

/// Quantization-aware training state of a `Linear` or `Conv2d` layer (`fakeQuantization`): while
/// set, the layer computes with fake-quantized weights (per output channel, int8) and inputs (0…127
/// over the moving-average input range), so training adapts the weights to the rounding int8
/// inference will do; gradients pass straight through the rounding.
public final class FakeQuantization: Sendable {
    private let observed: Mutex<MovingAverageRange>

    /// A fresh state whose input range moves by `averagingConstant` per training batch.
    public init(averagingConstant: Float = 0.01) { observed = Mutex(MovingAverageRange(averagingConstant: averagingConstant)) }

    /// The input range observed so far (nil before the first training batch).
    public var inputRange: (min: Float, max: Float)? { observed.withLock { $0.range } }

    /// The input quantization now, after observing `x` when `training`.
    func inputQuantization(observing x: Tensor, training: Bool) -> AffineQuantization? {
        observed.withLock { r in
            if training { r.observe(x) }
            return r.range.flatMap { $0.min.isFinite && $0.max.isFinite ? AffineQuantization(min: $0.min, max: $0.max) : nil }
        }
    }
}

extension Module {
    /// Prepares quantization-aware training (PyTorch's `prepare_qat`): every `Linear` layer, and
    /// every `Conv2d` that static quantization covers (one group, at least 8 input channels), not named
    /// in `skipping` fake-quantizes its weights and inputs from now on. Train as usual (the input
    /// ranges are observed in training mode), then `convertQuantizationAwareTraining()` turns the
    /// layers into int8 with the trained weights and observed ranges. For models that lose too much
    /// accuracy with post-training quantization.
    /// - Returns: the prepared layers' names (`Linear` layers first, then convolutions).
    /// - Throws: `QuantizationError` (no layer to quantize, an unmerged LoRA adapter).
    @discardableResult
    public func prepareQuantizationAwareTraining(averagingConstant: Float = 0.01, skipping: Set<String> = []) throws(QuantizationError) -> [String] {
        let layers = namedLinearLayers().filter { !skipping.contains($0.0) }
        let convolutions = int8ConvolutionLayers(skipping: skipping)
        guard !layers.isEmpty || !convolutions.isEmpty else { throw .nothingToQuantize }
        for (name, l) in layers where l.lora.map({ !$0.isMerged }) ?? false { throw .unmergedAdapter(layer: name) }
        for (_, l) in layers {
            l.quantization = nil
            l.fakeQuantization = FakeQuantization(averagingConstant: averagingConstant)
        }
        for (_, c) in convolutions {
            c.quantization = nil
            c.fakeQuantization = FakeQuantization(averagingConstant: averagingConstant)
        }
        return layers.map(\.0) + convolutions.map(\.0)
    }

    /// Ends quantization-aware training (PyTorch's `convert`): each prepared layer becomes int8
    /// (static) with its trained weights and the input range observed during training.
    /// - Throws: `QuantizationError.notCalibrated` naming a layer that never ran in training mode;
    ///   nothing changes then.
    @discardableResult
    public func convertQuantizationAwareTraining() throws(QuantizationError) -> [QuantizedLayerInfo] {
        let layers = namedLinearLayers().filter { $0.1.fakeQuantization != nil }
        let convolutions = namedConvolutionLayers().filter { $0.1.fakeQuantization != nil }
        guard !layers.isEmpty || !convolutions.isEmpty else { throw .nothingToQuantize }
        var fixed: [AffineQuantization] = []
        let states = layers.map { ($0.0, $0.1.fakeQuantization) } + convolutions.map { ($0.0, $0.1.fakeQuantization) }
        for (name, state) in states {
            guard let r = state?.inputRange, r.min.isFinite, r.max.isFinite else { throw .notCalibrated(layer: name) }
            fixed.append(AffineQuantization(min: r.min, max: r.max))
        }
        for ((_, l), q) in zip(layers, fixed) {
            l.fakeQuantization = nil
            l.quantization = LinearQuantization(weight: l.weight.value, input: .fixed(q))
        }
        for ((_, c), q) in zip(convolutions, fixed.dropFirst(layers.count)) {
            c.fakeQuantization = nil
            c.quantization = ConvolutionQuantization(weight: c.weight.value, input: q)
        }
        return quantizedLayers
    }
}
