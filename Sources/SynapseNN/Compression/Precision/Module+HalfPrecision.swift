import SynapseCore
import SynapseIO

/// How bf16 layers are stored: their `weight` and `bias` as BF16 entries (half the bytes of F32),
/// and the file's metadata `precision` = `bfloat16`, which tells `load(from:)` to make the layers
/// with BF16 weights compute in bf16 again. A BF16 file without that key (e.g. from
/// `synapse export --dtype bfloat16`, or PyTorch) loads as an ordinary Float32 model.
enum BFloat16FileLayout {
    static let metadataKey = "precision"
    static let metadataValue = "bfloat16"
}

/// A layer whose products can run in bf16 (`Linear`, `Conv2d`): what `castToBFloat16()`, `save` and
/// `load` need of it, so they treat both kinds in one loop.
protocol BFloat16CapableLayer: AnyObject {
    var weight: Parameter { get }
    var bias: Parameter? { get }
    var computePrecision: ComputePrecision { get set }
    /// Int8 layers keep their int8 form and are never bf16.
    var isInt8: Bool { get }
}

extension Linear: BFloat16CapableLayer {
    var isInt8: Bool { quantization != nil }
}

extension Conv2d: BFloat16CapableLayer {
    var isInt8: Bool { quantization != nil }
}

extension Module {
    /// The `Linear` layers, then the `Conv2d` layers, with their dotted paths.
    func bfloat16CapableLayers() -> [(String, any BFloat16CapableLayer)] {
        namedLinearLayers().map { ($0.0, $0.1 as any BFloat16CapableLayer) }
            + namedConvolutionLayers().map { ($0.0, $0.1 as any BFloat16CapableLayer) }
    }

    /// bf16 inference, PyTorch's `model.to(torch.bfloat16)` for the layers that do the arithmetic:
    /// every `Linear` and `Conv2d` (int8 layers excepted) rounds its weight and bias to bfloat16 in
    /// place and from now on runs its products under `autocast(.bfloat16)`; normalisation layers,
    /// embeddings and the rest stay Float32. `save(to:)` then writes those weights as BF16, about
    /// halving the file, and `load(from:)` restores the bf16 layers.
    /// - Returns: the dotted paths of the layers now in bf16.
    @discardableResult
    public func castToBFloat16() -> [String] {
        var cast: [String] = []
        for (name, layer) in bfloat16CapableLayers() where !layer.isInt8 {
            layer.weight.value = layer.weight.value.detached().roundedToBFloat16()
            if let b = layer.bias { b.value = b.value.detached().roundedToBFloat16() }
            layer.computePrecision = .bfloat16
            cast.append(name)
        }
        return cast
    }

    /// Makes every bf16 layer a Float32 layer again (the rounded weights stay as they are).
    public func castToFloat32() {
        for (_, layer) in bfloat16CapableLayers() { layer.computePrecision = .float32 }
    }

    /// The dotted paths of the layers that compute in bf16, in tree order (`Linear` layers first).
    public var bfloat16Layers: [String] {
        bfloat16CapableLayers().filter { $0.1.computePrecision == .bfloat16 }.map(\.0)
    }

    /// The state entries of bf16 layers (weight and bias), by name.
    func bfloat16FileEntries() -> Set<String> {
        var names = Set<String>()
        for (name, layer) in bfloat16CapableLayers() where layer.computePrecision == .bfloat16 && !layer.isInt8 {
            let prefix = name.isEmpty ? "" : name + "."
            names.insert(prefix + "weight")
            if layer.bias != nil { names.insert(prefix + "bias") }
        }
        return names
    }

    /// After a load: the layers whose weight `archive` stores as BF16 compute in bf16 when the file
    /// says so (metadata `precision` = `bfloat16`); every other layer computes in Float32.
    func restoreBFloat16Layers(from archive: SafeTensorsArchive) {
        let marked = archive.metadata[BFloat16FileLayout.metadataKey] == BFloat16FileLayout.metadataValue
        for (name, layer) in bfloat16CapableLayers() {
            let stored = archive.entries[(name.isEmpty ? "" : name + ".") + "weight"]?.dtype == .bf16
            layer.computePrecision = marked && stored && !layer.isInt8 ? .bfloat16 : .float32
        }
    }
}
