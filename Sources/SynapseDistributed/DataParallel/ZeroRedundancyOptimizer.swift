import Foundation
import SynapseCore
import SynapseNN
import SynapseOptim

/// Sharded optimizer state (DeepSpeed's ZeRO stage 1): each process of a data-parallel job keeps
/// and updates the optimizer state (Adam's two moments) of only its share of the parameters, then
/// every process receives the updated values of the shares it does not own. The parameters, laid
/// end to end, are cut into N equal ranges (as DeepSpeed partitions its flat buffer, so a large
/// layer is split too), each process holds about 1/N of the state, and — the optimizers being
/// element-wise, the gradients already averaged (`DistributedDataParallel`) — every update is the
/// one a whole optimizer would make.
///
/// `step()` cannot throw: a communication failure is kept and thrown by `checkCommunication()`,
/// which `DistributedTrainingCallback` calls after every step (every data-parallel trainer has it).
///
/// Checkpoints: `stateDict()` returns the whole state, keyed and shaped as one optimizer over all
/// parameters would (so a sharded run resumes with another number of processes) — after
/// `consolidate()`, which gathers the shards and must run on every process (the callback does it
/// at each epoch's end, before checkpoints are written).
public final class ZeroRedundancyOptimizer: Optimizer {
    /// Every parameter (what `zeroGrad()` and the trainer's checks see).
    public let parameters: [Parameter]
    /// The job's processes.
    public let communicator: any Communicator
    /// The optimizer over this process's share: one flat parameter per segment of a parameter.
    public let local: any Optimizer
    /// This process's segments: parameter index, first element, element count — in `local`'s order.
    public let segments: [(parameter: Int, offset: Int, count: Int)]
    /// Each process's range of the parameters laid end to end.
    public let ranges: [Range<Int>]
    private let shards: [Parameter]
    private var failure: DistributedError?
    private var consolidated: [String: Tensor]?

    /// Shards `parameters` over `communicator`'s processes; `makeOptimizer` builds the optimizer
    /// of one share from its flat parameters (e.g. `{ Adam($0, learningRate: 1e-3) }`); it must
    /// update each element from that element's gradient alone (SGD, Adam, AdamW, RMSprop, Adagrad).
    public init(_ parameters: [Parameter], communicator: any Communicator, makeOptimizer: ([Parameter]) -> any Optimizer) {
        self.parameters = parameters
        self.communicator = communicator
        let total = parameters.reduce(0) { $0 + $1.value.count }
        ranges = Self.ranges(total: total, processes: communicator.worldSize)
        let mine = ranges[communicator.rank]
        var segments: [(parameter: Int, offset: Int, count: Int)] = [], start = 0
        for (i, p) in parameters.enumerated() {
            let n = p.value.count
            let lo = max(start, mine.lowerBound), hi = min(start + n, mine.upperBound)
            if lo < hi { segments.append((i, lo - start, hi - lo)) }
            start += n
        }
        self.segments = segments
        shards = segments.map { s in
            let values = parameters[s.parameter].value.scalars
            return Parameter(Tensor(Array(values[s.offset..<(s.offset + s.count)])), requiresGrad: parameters[s.parameter].requiresGrad)
        }
        local = makeOptimizer(shards)
    }

    /// `total` elements cut into `processes` contiguous ranges as equal as can be.
    static func ranges(total: Int, processes: Int) -> [Range<Int>] {
        (0..<processes).map { r in (total * r / processes)..<(total * (r + 1) / processes) }
    }

    /// The learning rate of every share.
    public var learningRate: Double {
        get { local.learningRate }
        set { local.learningRate = newValue }
    }

    /// Updates this process's share from its slice of the gradients, then copies every share's new
    /// values from its owner.
    public func step() {
        for (shard, s) in zip(shards, segments) {
            let p = parameters[s.parameter]
            // The current values (a checkpoint or rank 0's broadcast may have replaced them since the
            // last step), then the slice of the averaged gradient (none when the parameter has none:
            // the optimizer skips it).
            shard.value = p.value.withUnsafeBufferPointer { all in Tensor(Array(all[s.offset..<(s.offset + s.count)])) }
            shard.grad = p.grad.map { g in
                g.withUnsafeBufferPointer { all in Tensor(Array(all[s.offset..<(s.offset + s.count)])) }
            }
        }
        local.step()
        consolidated = nil
        do { try synchronizeParameters() } catch { failure = failure ?? error }
    }

    /// Throws (once) the communication failure of an earlier `step()`, if one failed.
    public func checkCommunication() throws(DistributedError) {
        if let failure {
            self.failure = nil
            throw failure
        }
    }

    /// Copies every range of the parameters from the process that updated it (one broadcast per
    /// process; the owner first writes its updated segments into its parameters).
    private func synchronizeParameters() throws(DistributedError) {
        for (shard, s) in zip(shards, segments) {
            let p = parameters[s.parameter]
            var value = p.value
            shard.value.withUnsafeBufferPointer { source in
                value.withUnsafeMutableBufferPointer { $0.baseAddress!.advanced(by: s.offset).update(from: source.baseAddress!, count: s.count) }
            }
            p.value = value
        }
        for rank in 0..<communicator.worldSize where !ranges[rank].isEmpty {
            let range = ranges[rank]
            var flat = rank == communicator.rank ? gather(range) : [Float](repeating: 0, count: range.count)
            try communicator.broadcast(&flat, root: rank, label: "the parameters updated by rank \(rank)")
            if rank != communicator.rank { scatter(flat, into: range) }
        }
    }

    /// The values of `range` of the parameters laid end to end.
    private func gather(_ range: Range<Int>) -> [Float] {
        var out: [Float] = [], start = 0
        out.reserveCapacity(range.count)
        for p in parameters {
            let n = p.value.count, lo = max(start, range.lowerBound), hi = min(start + n, range.upperBound)
            if lo < hi { p.value.withUnsafeBufferPointer { out.append(contentsOf: $0[(lo - start)..<(hi - start)]) } }
            start += n
        }
        return out
    }

    /// Writes `values` into `range` of the parameters laid end to end.
    private func scatter(_ values: [Float], into range: Range<Int>) {
        var start = 0
        for p in parameters {
            let n = p.value.count, lo = max(start, range.lowerBound), hi = min(start + n, range.upperBound)
            if lo < hi {
                var value = p.value
                values.withUnsafeBufferPointer { source in
                    value.withUnsafeMutableBufferPointer {
                        $0.baseAddress!.advanced(by: lo - start).update(from: source.baseAddress! + (lo - range.lowerBound), count: hi - lo)
                    }
                }
                p.value = value
            }
            start += n
        }
    }

    /// Bytes of optimizer state this process holds (its share's moments and step counts).
    public var stateBytes: Int { local.stateDict().values.reduce(0) { $0 + $1.count * MemoryLayout<Float>.stride } }

    // MARK: Checkpoints

    /// The segments process `rank` owns (what `segments` is on that process).
    static func segments(of range: Range<Int>, sizes: [Int]) -> [(parameter: Int, offset: Int, count: Int)] {
        var out: [(parameter: Int, offset: Int, count: Int)] = [], start = 0
        for (i, n) in sizes.enumerated() {
            let lo = max(start, range.lowerBound), hi = min(start + n, range.upperBound)
            if lo < hi { out.append((i, lo - start, hi - lo)) }
            start += n
        }
        return out
    }

    /// Gathers every share's state onto every process (call on all of them; the trainer's
    /// `DistributedTrainingCallback` does at each epoch's end), so `stateDict()` is complete.
    public func consolidate() throws(DistributedError) {
        let sizes = parameters.map(\.value.count)
        var pieces: [(segment: (parameter: Int, offset: Int, count: Int), key: String, tensor: Tensor)] = []
        for rank in 0..<communicator.worldSize {
            let theirs = Self.segments(of: ranges[rank], sizes: sizes)
            // The owner's local state as names and shapes (a header), then the values.
            var header: [UInt8] = [], values: [Float] = []
            if rank == communicator.rank {
                var entries: [[String: Any]] = []
                for (key, tensor) in local.stateDict().sorted(by: { $0.key < $1.key }) {
                    entries.append(["name": key, "shape": tensor.shape])
                    tensor.withUnsafeBufferPointer { values.append(contentsOf: $0) }
                }
                header = Array((try? JSONSerialization.data(withJSONObject: entries)) ?? Data("[]".utf8))
            }
            var sizesMessage = [UInt8](repeating: 0, count: 16)
            if rank == communicator.rank { Self.write(header.count, values.count, into: &sizesMessage) }
            try communicator.broadcast(&sizesMessage, root: rank, label: "the size of rank \(rank)'s optimizer state")
            let (headerCount, valueCount) = Self.read(sizesMessage)
            if rank != communicator.rank {
                header = Array(repeating: 0, count: headerCount)
                values = Array(repeating: 0, count: valueCount)
            }
            try communicator.broadcast(&header, root: rank, label: "the names of rank \(rank)'s optimizer state")
            try communicator.broadcast(&values, root: rank, label: "rank \(rank)'s optimizer state")
            guard let entries = (try? JSONSerialization.jsonObject(with: Data(header))) as? [[String: Any]] else {
                throw .mismatch(reason: "rank \(rank) sent optimizer state this process cannot read")
            }
            var offset = 0
            for entry in entries {
                guard let name = entry["name"] as? String, let shape = entry["shape"] as? [Int],
                      let dot = name.firstIndex(of: "."), let j = Int(name[..<dot]), theirs.indices.contains(j) else {
                    throw .mismatch(reason: "rank \(rank) sent optimizer state this process cannot read")
                }
                let n = shape.reduce(1, *)
                guard n >= 0, offset + n <= values.count else {
                    throw .mismatch(reason: "rank \(rank)'s optimizer state holds fewer values than its names say")
                }
                pieces.append((theirs[j], String(name[dot...]), Tensor(shape: shape, scalars: Array(values[offset..<(offset + n)]))))
                offset += n
            }
        }
        consolidated = stitch(pieces)
    }

    /// Segments' state as whole-parameter state: element-wise buffers (one value per element of the
    /// segment) placed at their offsets, scalars (step counts) taken as they are.
    private func stitch(_ pieces: [(segment: (parameter: Int, offset: Int, count: Int), key: String, tensor: Tensor)]) -> [String: Tensor] {
        var whole: [String: [Float]] = [:], scalars: [String: Tensor] = [:]
        for (segment, key, tensor) in pieces {
            let name = "\(segment.parameter)" + key
            if tensor.rank == 0 {
                scalars[name] = tensor
            } else {
                var buffer = whole[name] ?? [Float](repeating: 0, count: parameters[segment.parameter].value.count)
                tensor.withUnsafeBufferPointer { source in
                    for k in 0..<min(segment.count, source.count) { buffer[segment.offset + k] = source[k] }
                }
                whole[name] = buffer
            }
        }
        var out = scalars
        for (name, values) in whole {
            let index = Int(name[..<name.firstIndex(of: ".")!])!
            out[name] = Tensor(shape: parameters[index].shape, scalars: values)
        }
        return out
    }

    /// The whole optimizer state keyed and shaped as one optimizer over all parameters would (after
    /// `consolidate()` on every process); without it, only this process's share (zeros elsewhere).
    public func stateDict() -> [String: Tensor] {
        if let consolidated { return consolidated }
        return stitch(local.stateDict().compactMap { key, tensor in
            guard let dot = key.firstIndex(of: "."), let j = Int(key[..<dot]), segments.indices.contains(j) else { return nil }
            return (segments[j], String(key[dot...]), tensor)
        })
    }

    /// Restores this process's share from a whole state (of a sharded or plain optimizer over the
    /// same parameters, with any number of processes).
    public func loadStateDict(_ state: [String: Tensor]) throws(OptimizerError) {
        var mine: [String: Tensor] = [:]
        for (key, tensor) in state {
            guard let dot = key.firstIndex(of: "."), let global = Int(key[..<dot]) else {
                throw .invalidState("key '\(key)' does not start with a parameter index")
            }
            guard parameters.indices.contains(global) else {
                throw .invalidState("key '\(key)' names parameter \(global) of \(parameters.count)")
            }
            let suffix = key[dot...]
            for (j, s) in segments.enumerated() where s.parameter == global {
                if tensor.rank == 0 {
                    mine["\(j)" + suffix] = tensor
                } else {
                    guard tensor.count == parameters[global].value.count else {
                        throw .invalidState("'\(key)' has \(tensor.count) values for a parameter of \(parameters[global].value.count)")
                    }
                    let values = tensor.scalars
                    mine["\(j)" + suffix] = Tensor(Array(values[s.offset..<(s.offset + s.count)]))
                }
            }
        }
        try local.loadStateDict(mine)
        consolidated = nil
    }

    private static func write(_ a: Int, _ b: Int, into bytes: inout [UInt8]) {
        for k in 0..<8 {
            bytes[k] = UInt8(truncatingIfNeeded: UInt64(a) >> (8 * UInt64(k)))
            bytes[8 + k] = UInt8(truncatingIfNeeded: UInt64(b) >> (8 * UInt64(k)))
        }
    }

    private static func read(_ bytes: [UInt8]) -> (Int, Int) {
        var a: UInt64 = 0, b: UInt64 = 0
        for k in 0..<8 {
            a |= UInt64(bytes[k]) << (8 * UInt64(k))
            b |= UInt64(bytes[8 + k]) << (8 * UInt64(k))
        }
        return (Int(clamping: a), Int(clamping: b))
    }
}
