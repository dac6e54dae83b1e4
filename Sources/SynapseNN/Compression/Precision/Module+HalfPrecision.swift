import SynapseCore
import SynapseIO

/// How half-precision layers are stored: their `weight` and `bias` as BF16 (bf16 layers) or F16
/// (float16 layers) entries, half the bytes of F32, and the file's metadata `precision` =
/// `bfloat16` or `float16` (`bfloat16,float16` when it holds both), which tells `load(from:)` to make the layers stored so compute at that
/// precision again. A BF16 or F16 file without that key (e.g. from `synapse export --dtype bfloat16`,
/// or PyTorch) loads as an ordinary Float32 model.
enum HalfPrecisionFileLayout {
    static let metadataKey = "precision"

    /// The metadata value that marks layers of `precision`.
    static func metadataValue(_ precision: ComputePrecision) -> String { precision.rawValue }

    /// The metadata value of a file holding layers of `precisions` (nil: none).
    static func metadataValue(_ precisions: [ComputePrecision]) -> String? {
        precisions.isEmpty ? nil : precisions.map(metadataValue).joined(separator: ",")
    }

    /// The safetensors element type of `precision`'s layers.
    static func dtype(_ precision: ComputePrecision) -> SafeTensorsDType? {
        switch precision {
        case .float32: nil
        case .bfloat16: .bf16
        case .float16: .f16
        }
    }
}

/// A layer whose products can run in bf16 or float16 (`Linear`, `Conv2d`): what `castToBFloat16()`,
/// `castToFloat16()`, `save` and `load` need of it, so they treat both kinds in one loop.
protocol HalfPrecisionCapableLayer: AnyObject {
    var weight: Parameter { get }
    var bias: Parameter? { get }
    var computePrecision: ComputePrecision { get set }
    /// Int8 layers keep their int8 form and are never half precision.
    var isInt8: Bool { get }
}

extension Linear: HalfPrecisionCapableLayer {
    var isInt8: Bool { quantization != nil }
}

extension Conv2d: HalfPrecisionCapableLayer {
    var isInt8: Bool { quantization != nil }
}

/// A weight that float16 cannot hold: `castToFloat16()` refuses rather than store ±inf.
public struct Float16RangeError: Error, CustomStringConvertible, Equatable {
    /// The parameter's dotted name.
    public let parameter: String
    /// Its largest magnitude.
    public let largestMagnitude: Float

    /// Human-readable explanation.
    public var description: String {
        "castToFloat16: parameter '\(parameter)' holds \(largestMagnitude), beyond float16's largest value 65504; "
            + "keep this model in Float32 or use bfloat16 (castToBFloat16), which has Float32's range"
    }
}

extension Module {
    /// The `Linear` layers, then the `Conv2d` layers, with their dotted paths.
    func halfPrecisionCapableLayers() -> [(String, any HalfPrecisionCapableLayer)] {
        namedLinearLayers().map { ($0.0, $0.1 as any HalfPrecisionCapableLayer) }
            + namedConvolutionLayers().map { ($0.0, $0.1 as any HalfPrecisionCapableLayer) }
    }

    /// Rounds the weights of every float layer to `precision` and makes it compute at it.
    private func cast(to precision: ComputePrecision) -> [String] {
        var cast: [String] = []
        for (name, layer) in halfPrecisionCapableLayers() where !layer.isInt8 {
            layer.weight.value = layer.weight.value.detached().rounded(to: precision)
            if let b = layer.bias { b.value = b.value.detached().rounded(to: precision) }
            layer.computePrecision = precision
            cast.append(name)
        }
        return cast
    }

    /// bf16 inference, PyTorch's `model.to(torch.bfloat16)` for the layers that do the arithmetic:
    /// every `Linear` and `Conv2d` (int8 layers excepted) rounds its weight and bias to bfloat16 in
    /// place and from now on runs its products under `autocast(.bfloat16)`; normalisation layers,
    /// embeddings and the rest stay Float32. `save(to:)` then writes those weights as BF16, about
    /// halving the file, and `load(from:)` restores the bf16 layers.
    /// - Returns: the dotted paths of the layers now in bf16.
    @discardableResult
    public func castToBFloat16() -> [String] { cast(to: .bfloat16) }

    /// Float16 inference, PyTorch's `model.half()` for the layers that do the arithmetic: as
    /// `castToBFloat16()` with IEEE float16 — 3 more significand bits than bfloat16, so closer to the
    /// Float32 model, but a range of only ±65504; products run under `autocast(.float16)` (emulated
    /// on CPUs without float16 arithmetic: the file halves, the speed does not change). `save(to:)`
    /// writes F16 weights.
    /// - Returns: the dotted paths of the layers now in float16.
    /// - Throws: `Float16RangeError` (changing nothing) when a weight or bias is beyond ±65504.
    @discardableResult
    public func castToFloat16() throws(Float16RangeError) -> [String] {
        for (name, layer) in halfPrecisionCapableLayers() where !layer.isInt8 {
            let prefix = name.isEmpty ? "" : name + "."
            for (suffix, p) in [("weight", layer.weight), ("bias", layer.bias)] {
                guard let p else { continue }
                let largest = p.value.scalars.reduce(Float(0)) { Swift.max($0, Swift.abs($1)) }
                // 65520 is where rounding to float16 reaches infinity.
                if !(largest < 65520) { throw Float16RangeError(parameter: prefix + suffix, largestMagnitude: largest) }
            }
        }
        return cast(to: .float16)
    }

    /// Makes every bf16 or float16 layer a Float32 layer again (the rounded weights stay as they are).
    public func castToFloat32() {
        for (_, layer) in halfPrecisionCapableLayers() { layer.computePrecision = .float32 }
    }

    /// The dotted paths of the layers that compute in bf16, in tree order (`Linear` layers first).
    public var bfloat16Layers: [String] { layers(computingAt: .bfloat16) }

    /// The dotted paths of the layers that compute in float16, in tree order (`Linear` layers first).
    public var float16Layers: [String] { layers(computingAt: .float16) }

    private func layers(computingAt precision: ComputePrecision) -> [String] {
        halfPrecisionCapableLayers().filter { $0.1.computePrecision == precision }.map(\.0)
    }

    /// The state entries (weight and bias) of the layers that compute at `precision`, by name.
    func halfPrecisionFileEntries(_ precision: ComputePrecision) -> Set<String> {
        var names = Set<String>()
        for (name, layer) in halfPrecisionCapableLayers() where layer.computePrecision == precision && !layer.isInt8 {
            let prefix = name.isEmpty ? "" : name + "."
            names.insert(prefix + "weight")
            if layer.bias != nil { names.insert(prefix + "bias") }
        }
        return names
    }

    /// After a load: when the file is marked (metadata `precision` = `bfloat16` or `float16`), the
    /// layers whose weight it stores as BF16 compute in bf16 and those stored as F16 in float16; every
    /// other layer computes in Float32.
    func restoreHalfPrecisionLayers(from archive: SafeTensorsArchive) {
        let mark = (archive.metadata[HalfPrecisionFileLayout.metadataKey] ?? "").split(separator: ",").map(String.init)
        let marked = [ComputePrecision.bfloat16, .float16].filter { mark.contains(HalfPrecisionFileLayout.metadataValue($0)) }
        for (name, layer) in halfPrecisionCapableLayers() {
            let stored = archive.entries[(name.isEmpty ? "" : name + ".") + "weight"]?.dtype
            let precision = marked.first { HalfPrecisionFileLayout.dtype($0) == stored }
            layer.computePrecision = layer.isInt8 ? .float32 : precision ?? .float32
        }
    }
}
