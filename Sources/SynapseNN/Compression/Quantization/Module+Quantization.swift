import SynapseCore

/// One layer of a model in int8 form (`Linear` or `Conv2d`).
public struct QuantizedLayerInfo: Sendable, Equatable {
    /// The layer's dotted path ("classifier.0").
    public let name: String
    /// "Linear" or "Conv2d".
    public let kind: String
    /// Input features (channels for a convolution).
    public let inFeatures: Int
    /// Output features (channels for a convolution).
    public let outFeatures: Int
    /// How its input is quantized.
    public let input: ActivationQuantization
}

/// A quantization request the model cannot honour.
public enum QuantizationError: Error, CustomStringConvertible, Equatable {
    /// The model has no layer the method quantizes (after `skipping`).
    case nothingToQuantize
    /// A layer carries a LoRA adapter that is not merged: merge it (`mergeLoRA()`) first.
    case unmergedAdapter(layer: String)
    /// A layer saw no input during calibration, so its input range is unknown.
    case notCalibrated(layer: String)
    /// A layer saw only NaN or infinite inputs during calibration.
    case nonFiniteCalibration(layer: String)

    /// Human-readable explanation.
    public var description: String {
        switch self {
        case .nothingToQuantize: return "quantization: the model has no layer to quantize (Linear; LSTM/GRU/RNN for dynamic, Conv2d for static)"
        case .unmergedAdapter(let l): return "quantization: layer '\(l)' has a LoRA adapter that is not merged; merge it first (mergeLoRA())"
        case .notCalibrated(let l):
            return "quantization: layer '\(l)' received no input during calibration; run the model on calibration data inside the closure"
        case .nonFiniteCalibration(let l): return "quantization: layer '\(l)' saw only NaN or infinite inputs during calibration"
        }
    }
}

extension Module {
    /// The `Linear` layers of the tree with their dotted paths (without trailing dot).
    func namedLinearLayers() -> [(String, Linear)] {
        namedModulePrefixes().compactMap { prefix, module in
            (module as? Linear).map { (String(prefix.dropLast()), $0) }
        }
    }

    /// The `Conv2d` layers of the tree with their dotted paths.
    func namedConvolutionLayers() -> [(String, Conv2d)] {
        namedModulePrefixes().compactMap { prefix, module in
            (module as? Conv2d).map { (String(prefix.dropLast()), $0) }
        }
    }

    /// The `Conv2d` layers int8 covers (one group, at least `minimumInt8ConvolutionChannels` input
    /// channels), except those named in `skipping`.
    func int8ConvolutionLayers(skipping: Set<String>) -> [(String, Conv2d)] {
        namedConvolutionLayers().filter {
            !skipping.contains($0.0) && $0.1.groups == 1 && $0.1.weight.shape[1] >= Self.minimumInt8ConvolutionChannels
        }
    }

    /// The layers now in int8 form, in tree order.
    public var quantizedLayers: [QuantizedLayerInfo] {
        namedModulePrefixes().compactMap { prefix, module in
            let name = String(prefix.dropLast())
            if let l = module as? Linear, let q = l.quantization {
                return QuantizedLayerInfo(name: name, kind: "Linear", inFeatures: l.inFeatures, outFeatures: l.outFeatures, input: q.input)
            }
            if let c = module as? Conv2d, let q = c.quantization {
                return QuantizedLayerInfo(name: name, kind: "Conv2d", inFeatures: c.weight.shape[1], outFeatures: c.weight.shape[0],
                                          input: .fixed(q.input))
            }
            if let r = module as? RNNBase, r.quantization != nil {
                return QuantizedLayerInfo(name: name, kind: r.kindName, inFeatures: r.inputSize, outFeatures: r.hiddenSize, input: .dynamic)
            }
            return nil
        }
    }

    /// Convolutions over fewer input channels stay float under static quantization: the first layer
    /// of an image model (1 or 3 channels) has too little work per pixel for int8 to pay, and a
    /// dedicated float kernel already runs it.
    public static var minimumInt8ConvolutionChannels: Int { 8 }

    /// Post-training dynamic quantization (PyTorch's `quantize_dynamic` on `nn.Linear`, `nn.LSTM` and
    /// `nn.GRU`): every `Linear` layer not named in `skipping` gets int8 weights (per output channel,
    /// symmetric) and quantizes its input per batch at run time from the batch's range (0…127, see
    /// `AffineQuantization`); every `LSTM`, `GRU` and `RNN` does the same for its input-to-hidden and
    /// hidden-to-hidden products, quantizing the hidden state at every step (`RecurrentQuantization`).
    /// Convolutions stay float (their int8 form needs calibrated inputs: `quantizeStatic`). The float
    /// weights stay in the model (export and training read them).
    /// - Returns: the quantized layers.
    /// - Throws: `QuantizationError` (nothing to quantize, an unmerged LoRA adapter); nothing changes then.
    @discardableResult
    public func quantizeDynamic(skipping: Set<String> = []) throws(QuantizationError) -> [QuantizedLayerInfo] {
        let recurrent = namedRecurrentLayers().filter { !skipping.contains($0.0) }
        let layers = namedLinearLayers().filter { !skipping.contains($0.0) }
        guard !layers.isEmpty || !recurrent.isEmpty else { throw .nothingToQuantize }
        for (name, l) in layers where l.lora.map({ !$0.isMerged }) ?? false { throw .unmergedAdapter(layer: name) }
        for (_, l) in layers {
            l.fakeQuantization = nil
            l.quantization = LinearQuantization(weight: l.weight.value, input: .dynamic)
        }
        for (_, r) in recurrent { r.quantization = RecurrentQuantization(parameters: r.slotParameters) }
        return quantizedLayers
    }

    /// Post-training static quantization: every `Linear` layer, and every `Conv2d` with one group
    /// and at least `minimumInt8ConvolutionChannels` input channels, not named in `skipping`,
    /// records its inputs while `calibrate` runs the model on calibration data (a few hundred to a
    /// thousand training examples, in evaluation mode); `method` turns what each layer saw into a
    /// fixed input range, and the layers switch to int8 with those parameters.
    ///
    /// ```swift
    /// model.eval()
    /// try model.quantizeStatic(method: .percentile) {
    ///     for batch in calibrationBatches { _ = model(batch) }
    /// }
    /// ```
    /// A ReLU fused into the layer before (`Linear(…, activation: .relu)`, as `MLPClassifier`
    /// runs) means the next layer's observed inputs start at 0, so its range spends no integers on
    /// negative values: PyTorch's Linear+ReLU fusion, by construction.
    /// - Throws: `QuantizationError` (a layer saw no finite input, an unmerged adapter), or what
    ///   `calibrate` throws; the model stays float then.
    @discardableResult
    public func quantizeStatic(method: CalibrationMethod = .minMax, skipping: Set<String> = [],
                               calibrate: () throws -> Void) throws -> [QuantizedLayerInfo] {
        let layers = try quantizableLayers(skipping: skipping)
        let convolutions = int8ConvolutionLayers(skipping: skipping)
        let recorders = (layers.map(\.0) + convolutions.map(\.0)).map { _ in CalibrationRecorder(CalibrationObserver(method: method)) }
        for ((_, l), r) in zip(layers, recorders) { l.calibration = r }
        for ((_, c), r) in zip(convolutions, recorders.dropFirst(layers.count)) { c.calibration = r }
        defer {
            for (_, l) in layers { l.calibration = nil }
            for (_, c) in convolutions { c.calibration = nil }
        }
        // Calibration sees the float model: earlier int8 forms would shift what later layers observe.
        let previous = (layers.map { $0.1.quantization }, convolutions.map { $0.1.quantization })
        for (_, l) in layers { l.quantization = nil }
        for (_, c) in convolutions { c.quantization = nil }
        var fixed: [AffineQuantization] = []
        do {
            try calibrate()
            for (name, recorder) in zip(layers.map(\.0) + convolutions.map(\.0), recorders) {
                guard let range = recorder.range else { throw QuantizationError.notCalibrated(layer: name) }
                guard range.min.isFinite, range.max.isFinite else { throw QuantizationError.nonFiniteCalibration(layer: name) }
                fixed.append(AffineQuantization(min: range.min, max: range.max))
            }
        } catch {
            for ((_, l), q) in zip(layers, previous.0) { l.quantization = q }
            for ((_, c), q) in zip(convolutions, previous.1) { c.quantization = q }
            throw error
        }
        for ((_, l), q) in zip(layers, fixed) {
            l.fakeQuantization = nil
            l.quantization = LinearQuantization(weight: l.weight.value, input: .fixed(q))
        }
        for ((_, c), q) in zip(convolutions, fixed.dropFirst(layers.count)) { c.quantization = ConvolutionQuantization(weight: c.weight.value, input: q) }
        return quantizedLayers
    }

    /// Returns every layer to float computation (the float weights were kept), ending
    /// quantization-aware training too.
    public func dequantize() {
        for (_, l) in namedLinearLayers() {
            l.quantization = nil
            l.fakeQuantization = nil
        }
        for (_, c) in namedConvolutionLayers() {
            c.quantization = nil
            c.fakeQuantization = nil
        }
        for (_, r) in namedRecurrentLayers() { r.quantization = nil }
    }

    private func quantizableLayers(skipping: Set<String>) throws(QuantizationError) -> [(String, Linear)] {
        let layers = namedLinearLayers().filter { !skipping.contains($0.0) }
        guard !layers.isEmpty else { throw .nothingToQuantize }
        for (name, l) in layers where l.lora.map({ !$0.isMerged }) ?? false { throw .unmergedAdapter(layer: name) }
        return layers
    }
}
