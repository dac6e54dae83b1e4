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

extension Module {
    /// bf16 inference, PyTorch's `model.to(torch.bfloat16)` for the layers that do the arithmetic:
    /// every `Linear` and `Conv2d` (int8 layers excepted) rounds its weight and bias to bfloat16 in
    /// place and from now on runs its products under `autocast(.bfloat16)`; normalisation layers,
    /// embeddings and the rest stay Float32. `save(to:)` then writes those weights as BF16, about
    /// halving the file, and `load(from:)` restores the bf16 layers.
    /// - Returns: the dotted paths of the layers now in bf16.
    @discardableResult
    public func castToBFloat16() -> [String] {
        var cast: [String] = []
        for (name, l) in namedLinearLayers() where l.quantization == nil {
            l.weight.value = l.weight.value.detached().roundedToBFloat16()
            if let b = l.bias { b.value = b.value.detached().roundedToBFloat16() }
            l.computePrecision = .bfloat16
            cast.append(name)
        }
        for (name, c) in namedConvolutionLayers() where c.quantization == nil {
            c.weight.value = c.weight.value.detached().roundedToBFloat16()
            if let b = c.bias { b.value = b.value.detached().roundedToBFloat16() }
            c.computePrecision = .bfloat16
            cast.append(name)
        }
        return cast
    }

    /// Makes every bf16 layer a Float32 layer again (the rounded weights stay as they are).
    public func castToFloat32() {
        for (_, l) in namedLinearLayers() { l.computePrecision = .float32 }
        for (_, c) in namedConvolutionLayers() { c.computePrecision = .float32 }
    }

    /// The dotted paths of the layers that compute in bf16, in tree order.
    public var bfloat16Layers: [String] {
        namedLinearLayers().filter { $0.1.computePrecision == .bfloat16 }.map(\.0)
            + namedConvolutionLayers().filter { $0.1.computePrecision == .bfloat16 }.map(\.0)
    }

    /// The state entries of bf16 layers (weight and bias), by name.
    func bfloat16FileEntries() -> Set<String> {
        var names = Set<String>()
        for (name, l) in namedLinearLayers() where l.computePrecision == .bfloat16 && l.quantization == nil {
            let prefix = name.isEmpty ? "" : name + "."
            names.insert(prefix + "weight")
            if l.bias != nil { names.insert(prefix + "bias") }
        }
        for (name, c) in namedConvolutionLayers() where c.computePrecision == .bfloat16 && c.quantization == nil {
            let prefix = name.isEmpty ? "" : name + "."
            names.insert(prefix + "weight")
            if c.bias != nil { names.insert(prefix + "bias") }
        }
        return names
    }

    /// After a load: the layers whose weight `archive` stores as BF16 compute in bf16 when the file
    /// says so (metadata `precision` = `bfloat16`); every other layer computes in Float32.
    func restoreBFloat16Layers(from archive: SafeTensorsArchive) {
        let marked = archive.metadata[BFloat16FileLayout.metadataKey] == BFloat16FileLayout.metadataValue
        for (name, l) in namedLinearLayers() {
            let stored = archive.entries[(name.isEmpty ? "" : name + ".") + "weight"]?.dtype == .bf16
            l.computePrecision = marked && stored && l.quantization == nil ? .bfloat16 : .float32
        }
        for (name, c) in namedConvolutionLayers() {
            let stored = archive.entries[(name.isEmpty ? "" : name + ".") + "weight"]?.dtype == .bf16
            c.computePrecision = marked && stored && c.quantization == nil ? .bfloat16 : .float32
        }
    }
}
