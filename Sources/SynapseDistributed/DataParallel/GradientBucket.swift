import CMPIBridge
import SynapseCore
import SynapseNN

/// A group of parameters whose gradients are reduced together (PyTorch DDP's buckets, Horovod's
/// tensor fusion): one flat buffer holds their gradients side by side, then one flag per
/// parameter — 1 when this process has a gradient for it — so a parameter no process used keeps
/// no gradient, as in a single process.
///
/// The buffer is the bucket's own, or, when the processes share a host, a range of a
/// `SharedReductionRegion` that `reset(storage:)` hands it for each backward pass: the gradients
/// are then written where the other processes sum them.
final class GradientBucket {
    /// Position in launch order (reductions start in this order on every process).
    let index: Int
    let parameters: [Parameter]
    /// Where each parameter's gradient starts in `flat`.
    let offsets: [Int]
    /// Values of gradient (the flags follow them).
    let elementCount: Int
    /// Gradients, then flags; reduced in place.
    private(set) var flat: UnsafeMutableBufferPointer<Float>
    /// The bucket's own buffer, when it has one.
    private var owned: UnsafeMutableBufferPointer<Float>?
    private var filled: [Bool]
    private(set) var remaining: Int
    /// The reduction in flight, between `launch` and `finish`.
    var pending: PendingCommunication?

    /// Floats in `flat`: the gradients, then one flag per parameter.
    var flatCount: Int { elementCount + parameters.count }

    init(index: Int, parameters: [Parameter]) {
        self.index = index
        self.parameters = parameters
        var offsets: [Int] = [], total = 0
        for p in parameters {
            offsets.append(total)
            total += p.value.count
        }
        self.offsets = offsets
        elementCount = total
        flat = Self.zeroedBuffer(total + parameters.count)
        owned = flat
        filled = Array(repeating: false, count: parameters.count)
        remaining = parameters.count
    }

    // A reduction that was never waited for to the end (a failed step) may still write into the
    // buffer: it is left allocated then — the job ends after such a failure anyway.
    deinit { if pending == nil { owned?.deallocate() } }

    /// Bytes of gradient this bucket reduces.
    var byteCount: Int { elementCount * MemoryLayout<Float>.stride }

    /// Ready for a new backward pass: nothing filled. `storage` (`flatCount` floats of a shared
    /// region) replaces the bucket's buffer for this pass, and its own buffer is freed the first
    /// time; without it the bucket uses a buffer of its own (made again if a region had replaced
    /// it, so a region that is gone is never written).
    func reset(storage: UnsafeMutablePointer<Float>? = nil) {
        for i in filled.indices { filled[i] = false }
        remaining = parameters.count
        pending = nil
        if let storage {
            owned?.deallocate()
            owned = nil
            flat = UnsafeMutableBufferPointer(start: storage, count: flatCount)
        } else if owned == nil {
            flat = Self.zeroedBuffer(flatCount)
            owned = flat
        }
    }

    private static func zeroedBuffer(_ count: Int) -> UnsafeMutableBufferPointer<Float> {
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
        buffer.initialize(repeating: 0)
        return buffer
    }

    var isFull: Bool { remaining == 0 }

    /// Copies parameter `slot`'s gradient (zeros and flag 0 when it has none) into the buffer.
    /// - Throws: `DistributedError.unsupported` for a row-sparse gradient.
    func fill(_ slot: Int) throws(DistributedError) {
        guard !filled[slot] else { return }
        let p = parameters[slot]
        let start = flat.baseAddress! + offsets[slot]
        let count = p.value.count
        if p.sparseGrad != nil {
            throw .unsupported(reason: "a parameter of shape \(p.shape) has a row-sparse gradient (Embedding(sparse: true)); "
                + "data-parallel training reduces dense gradients only")
        }
        if let g = p.grad {
            g.withUnsafeBufferPointer { source in start.update(from: source.baseAddress!, count: count) }
            flat[elementCount + slot] = 1
        } else {
            start.update(repeating: 0, count: count)
            flat[elementCount + slot] = 0
        }
        filled[slot] = true
        remaining -= 1
    }

    /// Fills every slot not yet filled (parameters this backward pass did not reach).
    func fillRemaining() throws(DistributedError) {
        for slot in filled.indices where !filled[slot] { try fill(slot) }
    }

    /// Writes the mean over `worldSize` processes back as each parameter's gradient (the buffer
    /// holds the sums); a parameter that no process had a gradient for keeps none.
    func writeBack(worldSize: Int) {
        writeBack(summing: [UnsafePointer(flat.baseAddress!)], worldSize: worldSize)
    }

    /// Writes back the mean of the buckets at `sources` (every process's copy of this bucket, in
    /// rank order, or one buffer that already holds the sums) as each parameter's gradient,
    /// summing them on the way: ((s₀ + s₁) + s₂) + …, then × 1/`worldSize` — the order and so
    /// the bits of `shared_region.c`'s in-place sums followed by `writeBack(worldSize:)`. A
    /// parameter whose flags sum to zero keeps no gradient.
    func writeBack(summing sources: [UnsafePointer<Float>], worldSize: Int) {
        precondition(!sources.isEmpty, "GradientBucket.writeBack: no bucket to sum")
        let scale = 1 / Float(worldSize)
        // The C view of the sources, made once for every parameter (`bucket_mean.c`: the sums read
        // other cores' fresh writes, which wide loads fetch faster than the loop Swift compiles).
        let pointers = sources.map { Optional($0) }
        for (slot, p) in parameters.enumerated() {
            var flag: Float = 0
            for source in sources { flag += source[elementCount + slot] }
            guard flag > 0 else {
                p.grad = nil
                continue
            }
            // Into the gradient's own storage when it has one to itself (no allocation per step).
            var gradient = p.grad ?? Tensor.zeros(p.shape)
            p.grad = nil
            gradient.withUnsafeMutableBufferPointer { destination in
                pointers.withUnsafeBufferPointer { c in
                    synapse_mean_of_buffers(c.baseAddress, Int32(c.count), Int64(offsets[slot]), scale, destination.baseAddress!,
                                            Int64(destination.count))
                }
            }
            p.grad = gradient
        }
    }
}
