import Synchronization
import SynapseCore

/// The int8 form of a `Linear` layer (`Linear.quantization`): per-output-channel int8 weights and
/// how its input is quantized. Set by `quantizeDynamic()`, `quantizeStatic(…)` or by loading an
/// int8 file; the layer then runs `quantizedLinear` in evaluation mode.
///
/// The int8 weights follow the float weights they came from: when those are replaced or written
/// (a state dict loaded, a further training step), the next forward re-quantizes them, so the
/// int8 layer can never compute with weights the model no longer has.
public final class LinearQuantization: Sendable {
    /// How the layer's input is quantized: per batch (dynamic) or with calibrated parameters.
    public let input: ActivationQuantization
    private let current: WeightDerived<QuantizedWeights>

    /// The int8 form of `weight` [out, in], quantized per output channel.
    public convenience init(weight: Tensor, input: ActivationQuantization) {
        self.init(weights: QuantizedWeights(quantizing: weight), matching: weight, input: input)
    }

    /// Stored int8 `weights` standing for the float `weight` the layer holds (their dequantized
    /// values, as a file load makes them).
    public init(weights: QuantizedWeights, matching weight: Tensor, input: ActivationQuantization) {
        self.input = input
        current = WeightDerived(weights, matching: weight) { QuantizedWeights(quantizing: $0) }
    }

    /// The int8 weights for the float `weight` the layer holds now (re-quantized when it changed).
    public func weights(for weight: Tensor) -> QuantizedWeights { current.value(for: weight) }

    /// "dynamic" or "static", as reports and file metadata name the mode.
    public var mode: String {
        if case .fixed = input { return "static" }
        return "dynamic"
    }
}

/// The int8 form of a `Conv2d` layer (`Conv2d.quantization`, static quantization only): int8
/// weights per output channel and the calibrated input quantization. Like `LinearQuantization`, it
/// re-quantizes the weights when the float weights it came from change.
public final class ConvolutionQuantization: Sendable {
    /// The calibrated input quantization.
    public let input: AffineQuantization
    private let current: WeightDerived<QuantizedConvolution>

    /// The int8 form of `weight` [out, in, kh, kw], quantized per output channel.
    public convenience init(weight: Tensor, input: AffineQuantization) {
        self.init(weights: Self.quantize(weight), matching: weight, input: input)
    }

    /// Stored int8 `weights` ([out, in·kh·kw]) standing for the float `weight` the layer holds.
    public init(weights: QuantizedWeights, matching weight: Tensor, input: AffineQuantization) {
        require(weight.rank == 4, "ConvolutionQuantization: expected a weight [out, in, kh, kw], got \(weight.shape)")
        self.input = input
        let convolution = QuantizedConvolution(weights: weights, kernelSize: (weight.shape[2], weight.shape[3]), input: input)
        current = WeightDerived(convolution, matching: weight) {
            QuantizedConvolution(weights: Self.quantize($0), kernelSize: ($0.shape[2], $0.shape[3]), input: input)
        }
    }

    private static func quantize(_ weight: Tensor) -> QuantizedWeights {
        require(weight.rank == 4, "ConvolutionQuantization: expected a weight [out, in, kh, kw], got \(weight.shape)")
        return QuantizedWeights(quantizing: weight.reshaped([weight.shape[0], weight.count / weight.shape[0]]))
    }

    /// The int8 convolution for the float `weight` the layer holds now (re-quantized when it changed).
    public func convolution(for weight: Tensor) -> QuantizedConvolution { current.value(for: weight) }
}

/// A value made from a layer's float weight (its int8 form), kept while that weight holds the
/// values it was made from and made again from the weight the layer holds when they changed, so an
/// int8 layer can never compute with weights the model no longer has.
final class WeightDerived<Value: Sendable>: Sendable {
    private struct Current {
        var value: Value
        var stamp: TensorContentStamp
    }
    private let current: Mutex<Current>
    private let make: @Sendable (Tensor) -> Value

    /// `value`, standing for `weight` as it is now; `make` derives a new one from a changed weight.
    init(_ value: Value, matching weight: Tensor, make: @escaping @Sendable (Tensor) -> Value) {
        current = Mutex(Current(value: value, stamp: TensorContentStamp(weight)))
        self.make = make
    }

    /// The value for `weight` as it is now.
    func value(for weight: Tensor) -> Value {
        current.withLock { c in
            if !c.stamp.matches(weight) { c = Current(value: make(weight), stamp: TensorContentStamp(weight)) }
            return c.value
        }
    }
}

/// Statistics of a `Linear` or `Conv2d` layer's inputs collected while `quantizeStatic` calibrates.
final class CalibrationRecorder: @unchecked Sendable {
    private let observer: Mutex<CalibrationObserver>

    init(_ observer: CalibrationObserver) { self.observer = Mutex(observer) }

    func observe(_ x: Tensor) { observer.withLock { $0.observe(x) } }

    var range: (min: Float, max: Float)? { observer.withLock { $0.range() } }
}
