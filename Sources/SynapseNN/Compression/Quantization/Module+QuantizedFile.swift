import Foundation
import SynapseCore
import SynapseIO

/// How an int8 layer is stored in safetensors, next to the float entries of the rest of the model:
/// `<layer>.weight` as I8 in the float weight's shape ([out, in], or [out, in, kh, kw] for a
/// convolution), `<layer>.weight_scale` F32 [out] (per output channel), and for static quantization
/// (always, for a convolution) `<layer>.input_scale` F32 [1] with `<layer>.input_zero_point` I64 [1].
/// The names follow ONNX Runtime's QDQ initialisers (`*_scale`, `*_zero_point`). An int8 `LSTM`,
/// `GRU` or `RNN` (dynamic only) stores every `weight_ih_l{k}` / `weight_hh_l{k}` (`_reverse` too) as I8
/// beside `<name>_scale` F32 [rows]; its biases stay F32.
enum QuantizedFileLayout {
    static let weightScale = "weight_scale"
    static let inputScale = "input_scale"
    static let inputZeroPoint = "input_zero_point"
}

extension Module {
    /// The state dict to save: float tensors (int8 layers' weights left out), int8 weights, and the
    /// integer entries (static zero points). Without int8 layers: `stateDict()` alone.
    func quantizedFileState() -> (floats: [String: Tensor], ints: [String: IntTensor], int8: [String: Int8TensorData]) {
        var floats = stateDict(), ints: [String: IntTensor] = [:], int8: [String: Int8TensorData] = [:]
        for (name, l) in namedLinearLayers() {
            guard let q = l.quantization else { continue }
            let prefix = name.isEmpty ? "" : name + "."
            let w = q.weights(for: l.weight.value)
            floats[prefix + "weight"] = nil
            int8[prefix + "weight"] = Int8TensorData(shape: [w.rows, w.columns], values: w.values)
            floats[prefix + QuantizedFileLayout.weightScale] = Tensor(w.scales)
            if case .fixed(let a) = q.input {
                floats[prefix + QuantizedFileLayout.inputScale] = Tensor([a.scale])
                ints[prefix + QuantizedFileLayout.inputZeroPoint] = IntTensor([Int(a.zeroPoint)])
            }
        }
        for (name, c) in namedConvolutionLayers() {
            guard let q = c.quantization else { continue }
            let prefix = name.isEmpty ? "" : name + "."
            let w = q.convolution(for: c.weight.value).weights
            floats[prefix + "weight"] = nil
            int8[prefix + "weight"] = Int8TensorData(shape: c.weight.shape, values: w.values)
            floats[prefix + QuantizedFileLayout.weightScale] = Tensor(w.scales)
            floats[prefix + QuantizedFileLayout.inputScale] = Tensor([q.input.scale])
            ints[prefix + QuantizedFileLayout.inputZeroPoint] = IntTensor([Int(q.input.zeroPoint)])
        }
        for (name, r) in namedRecurrentLayers() {
            guard let q = r.quantization else { continue }
            let prefix = name.isEmpty ? "" : name + "."
            let parameters = r.slotParameters
            for (weightName, slot, kind) in Self.recurrentWeightNames(r) {
                let source = parameters[slot][kind].value
                let w = kind == 0 ? q.slots[slot].inputHidden.weights(for: source) : q.slots[slot].hiddenHidden.weights(for: source)
                floats[prefix + weightName] = nil
                int8[prefix + weightName] = Int8TensorData(shape: [w.rows, w.columns], values: w.values)
                floats[prefix + weightName + "_scale"] = Tensor(w.scales)
            }
        }
        return (floats, ints, int8)
    }

    /// An int8 layer read from a file, to attach once the load succeeded.
    enum PendingQuantization {
        case linear(Linear, QuantizedWeights, ActivationQuantization)
        case convolution(Conv2d, QuantizedWeights, AffineQuantization)
        /// Per slot: the int8 `weight_ih` and `weight_hh`.
        case recurrent(RNNBase, [(QuantizedWeights, QuantizedWeights)])

        /// Attaches the int8 form, matched to the float weight the load just set.
        func attach() {
            switch self {
            case .linear(let l, let w, let input): l.quantization = LinearQuantization(weights: w, matching: l.weight.value, input: input)
            case .convolution(let c, let w, let input):
                c.quantization = ConvolutionQuantization(weights: w, matching: c.weight.value, input: input)
            case .recurrent(let r, let slots):
                let parameters = r.slotParameters
                r.quantization = RecurrentQuantization(slots: zip(slots, parameters).map { w, p in
                    (LinearQuantization(weights: w.0, matching: p[0].value, input: .dynamic),
                     LinearQuantization(weights: w.1, matching: p[1].value, input: .dynamic))
                })
            }
        }
    }

    /// Reads the int8 layers of `archive` (those with a `<layer>.weight_scale` entry, `Linear` or
    /// `Conv2d`): each becomes
    /// its dequantized float weight in the returned state (so the usual load checks names and shapes)
    /// plus the int8 weights and input quantization to attach once the load succeeded.
    /// - Throws: `SafeTensorsError.mismatch` naming the entry for any inconsistency: an int8 entry
    ///   for a layer that is not `Linear`, wrong dtypes or shapes, scales that are not finite and
    ///   positive, a zero point outside 0…127, one of input scale and zero point without the other.
    func quantizedEntries(_ archive: SafeTensorsArchive, mapping: [StateDictKeyRule], keyMap: ((String) -> String?)?)
        throws(SafeTensorsError) -> (state: [String: Tensor], consumed: Set<String>, layers: [PendingQuantization]) {
        let suffix = "." + QuantizedFileLayout.weightScale
        let scaleNames = archive.names.filter { $0 == QuantizedFileLayout.weightScale || $0.hasSuffix(suffix) }
        guard !scaleNames.isEmpty else { return ([:], [], []) }
        let linears = Dictionary(namedLinearLayers().map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        let convolutions = Dictionary(namedConvolutionLayers().map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        var state: [String: Tensor] = [:], consumed = Set<String>(), layers: [PendingQuantization] = []
        for scaleName in scaleNames {
            let prefix = String(scaleName.dropLast(QuantizedFileLayout.weightScale.count))
            let weightName = prefix + "weight"
            func fail(_ reason: String) -> SafeTensorsError { .mismatch("int8 layer '\(prefix.isEmpty ? "(root)" : String(prefix.dropLast()))': \(reason)") }
            guard let mapped = StateDictKeyRule.map(weightName, through: mapping).flatMap({ keyMap == nil ? $0 : keyMap!($0) }) else { continue }
            let layerName = String(mapped.dropLast("weight".count)).split(separator: ".", omittingEmptySubsequences: true).joined(separator: ".")
            let linear = mapped.hasSuffix("weight") ? linears[layerName] : nil
            let convolution = mapped.hasSuffix("weight") ? convolutions[layerName] : nil
            guard let expectedShape = linear.map({ [$0.outFeatures, $0.inFeatures] })
                    ?? convolution.flatMap({ $0.groups == 1 ? $0.weight.shape : nil }) else {
                throw fail("'\(scaleName)' belongs to no Linear layer or single-group Conv2d layer of this model")
            }
            guard let we = archive.entries[weightName] else { throw fail("'\(weightName)' is missing") }
            guard we.dtype == .i8 else { throw fail("'\(weightName)' has dtype \(we.dtype.rawValue); I8 was expected beside '\(scaleName)'") }
            guard we.shape == expectedShape else {
                throw fail("'\(weightName)' has shape \(we.shape); the model expects \(expectedShape)")
            }
            let rows = expectedShape[0], columns = expectedShape.dropFirst().reduce(1, *)
            guard let se = archive.entries[scaleName], [.f32, .f64, .f16, .bf16].contains(se.dtype), se.shape == [rows] else {
                throw fail("'\(scaleName)' must be a float tensor of shape [\(rows)]")
            }
            let scales = try archive.tensor(scaleName).scalars
            if let bad = scales.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
                throw fail("'\(scaleName)'[\(bad)] is \(scales[bad]); scales must be finite and positive")
            }
            let weights = QuantizedWeights(rows: rows, columns: columns, values: try archive.int8Values(weightName), scales: scales)
            var input = ActivationQuantization.dynamic
            let inScale = prefix + QuantizedFileLayout.inputScale, inZero = prefix + QuantizedFileLayout.inputZeroPoint
            switch (archive.entries[inScale], archive.entries[inZero]) {
            case (nil, nil): break
            case (let s?, let z?):
                guard s.shape == [1], [.f32, .f64, .f16, .bf16].contains(s.dtype) else { throw fail("'\(inScale)' must be a float tensor of shape [1]") }
                guard z.shape == [1], [.i64, .i32, .u8].contains(z.dtype) else { throw fail("'\(inZero)' must be an integer tensor of shape [1]") }
                let scale = try archive.tensor(inScale).scalars[0], zero = try archive.intTensor(inZero).scalars[0]
                guard scale.isFinite, scale > 0 else { throw fail("'\(inScale)' is \(scale); it must be finite and positive") }
                let range = AffineQuantization.activationRange
                guard range.contains(Int32(clamping: zero)) else { throw fail("'\(inZero)' is \(zero); it must be in \(range.lowerBound)…\(range.upperBound)") }
                input = .fixed(AffineQuantization(scale: scale, zeroPoint: Int32(zero)))
                consumed.formUnion([inScale, inZero])
            default: throw fail("'\(inScale)' and '\(inZero)' come together (static quantization) or not at all (dynamic)")
            }
            state[weightName] = weights.dequantized().reshaped(expectedShape)
            consumed.formUnion([weightName, scaleName])
            if let linear {
                layers.append(.linear(linear, weights, input))
            } else if let convolution {
                guard case .fixed(let fixed) = input else { throw fail("an int8 convolution needs '\(inScale)' and '\(inZero)'") }
                layers.append(.convolution(convolution, weights, fixed))
            }
        }
        return (state, consumed, layers)
    }

    /// Reads the int8 recurrent layers of `archive`: a layer with any `<weight>_scale` entry must store
    /// every `weight_ih_l{k}` / `weight_hh_l{k}` as I8 with its scales. Each becomes its dequantized float
    /// weights in the returned state plus the int8 form to attach once the load succeeded.
    /// - Throws: `SafeTensorsError.mismatch` naming the entry for any inconsistency (a missing weight
    ///   or scale, wrong dtypes or shapes, scales that are not finite and positive).
    func recurrentQuantizedEntries(_ archive: SafeTensorsArchive) throws(SafeTensorsError)
        -> (state: [String: Tensor], consumed: Set<String>, layers: [PendingQuantization]) {
        var state: [String: Tensor] = [:], consumed = Set<String>(), layers: [PendingQuantization] = []
        for (name, r) in namedRecurrentLayers() {
            let prefix = name.isEmpty ? "" : name + "."
            let names = Self.recurrentWeightNames(r)
            guard names.contains(where: { archive.entries[prefix + $0.name + "_scale"] != nil }) else { continue }
            func fail(_ reason: String) -> SafeTensorsError { .mismatch("int8 \(r.kindName) '\(name.isEmpty ? "(root)" : name)': \(reason)") }
            let parameters = r.slotParameters
            var slots = [(QuantizedWeights?, QuantizedWeights?)](repeating: (nil, nil), count: parameters.count)
            for (weightName, slot, kind) in names {
                let full = prefix + weightName, scaleName = full + "_scale"
                let expected = parameters[slot][kind].shape
                guard let we = archive.entries[full], we.dtype == .i8 else { throw fail("'\(full)' must be stored as I8 beside the other int8 weights") }
                guard we.shape == expected else { throw fail("'\(full)' has shape \(we.shape); the model expects \(expected)") }
                guard let se = archive.entries[scaleName], [.f32, .f64, .f16, .bf16].contains(se.dtype), se.shape == [expected[0]] else {
                    throw fail("'\(scaleName)' must be a float tensor of shape [\(expected[0])]")
                }
                let scales = try archive.tensor(scaleName).scalars
                if let bad = scales.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
                    throw fail("'\(scaleName)'[\(bad)] is \(scales[bad]); scales must be finite and positive")
                }
                let weights = QuantizedWeights(rows: expected[0], columns: expected[1], values: try archive.int8Values(full), scales: scales)
                state[full] = weights.dequantized().reshaped(expected)
                consumed.formUnion([full, scaleName])
                if kind == 0 { slots[slot].0 = weights } else { slots[slot].1 = weights }
            }
            layers.append(.recurrent(r, slots.map { ($0.0!, $0.1!) }))
        }
        return (state, consumed, layers)
    }
}
