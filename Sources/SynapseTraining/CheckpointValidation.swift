import Foundation
import SynapseCore
import SynapseIO

/// Range checks of every field of a checkpoint read from disk, run after the checksum matched.
///
/// The checksum catches damage; these checks catch files that were written wrong or crafted, and
/// make sure nothing downstream (`Int(Double)` conversions, generators, loops over counts) is
/// handed a value it would trap or spin on.
enum CheckpointValidation {
    static func checkpoint(from header: Checkpoint.Header, tensors: [String: Tensor], path: String) throws(CheckpointError) -> Checkpoint {
        func corrupt(_ reason: String) -> CheckpointError { .corrupt(path: path, reason: reason) }
        let maximum = Int(Double.maximumCheckpointCount)
        guard (0...maximum).contains(header.epoch) else { throw corrupt("epoch \(header.epoch) is out of range 0...\(maximum)") }
        guard (0...maximum).contains(header.globalStep) else {
            throw corrupt("global step \(header.globalStep) is out of range 0...\(maximum)")
        }
        guard header.learningRate.isFinite, header.learningRate > 0 else {
            throw corrupt("learning rate \(header.learningRate) is not a positive finite number")
        }
        guard !header.optimizerType.isEmpty else { throw corrupt("optimizer type is empty") }

        var c = Checkpoint()
        c.epoch = header.epoch
        c.globalStep = header.globalStep
        c.learningRate = header.learningRate
        c.optimizerType = header.optimizerType
        c.history = try history(header.history, epoch: header.epoch, corrupt: corrupt)
        for (name, words) in header.generators {
            c.generators[name] = try generatorState(name, words, corrupt: corrupt)
        }

        // Every tensor must be accounted for by the header, and every tensor the header names must exist.
        var unclaimed = Set(tensors.keys)
        for (name, t) in tensors {
            if name.hasPrefix("model.") {
                let key = String(name.dropFirst(6))
                if !t.isAllFinite, let bad = t.firstNonFinite() {
                    throw corrupt("model tensor '\(key)' holds \(bad.value) at element \(bad.index); weights must be finite")
                }
                c.model[key] = t
                unclaimed.remove(name)
            } else if name.hasPrefix("optimizer.") {
                let key = String(name.dropFirst(10))
                if key.hasSuffix(".step") {
                    guard t.count == 1, t.contiguous().scalars[0].exactCount != nil else {
                        throw corrupt("optimizer step count '\(key)' must be one integer in 0...\(maximum)")
                    }
                }
                c.optimizer[key] = t
                unclaimed.remove(name)
            }
        }
        for (key, values) in header.callbacks {
            guard !key.isEmpty else { throw corrupt("a callback state has an empty key") }
            if let bad = values.first(where: { $0.value.isNaN }) {
                throw corrupt("callback '\(key)' value '\(bad.key)' is NaN")
            }
            var state = CallbackState(values: values)
            for n in header.callbackTensors[key] ?? [] {
                let file = "callback.\(key).\(n)"
                guard let t = tensors[file] else { throw corrupt("callback '\(key)' tensor '\(n)' is missing") }
                state.tensors[n] = t
                unclaimed.remove(file)
            }
            c.callbacks[key] = state
        }
        if let key = header.callbackTensors.keys.sorted().first(where: { header.callbacks[$0] == nil }) {
            throw corrupt("tensors are listed for callback '\(key)', which has no state")
        }
        if let stray = unclaimed.sorted().first { throw corrupt("tensor '\(stray)' belongs to no part of the checkpoint") }
        return c
    }

    /// A generator state: 4 hexadecimal 64-bit words, not all zero (an all-zero xoshiro state
    /// yields zeros forever, and rejection samplers then never finish).
    private static func generatorState(_ name: String, _ words: [String],
                                       corrupt: (String) -> CheckpointError) throws(CheckpointError) -> [UInt64] {
        let hex = Set("0123456789abcdef".utf8)
        var values: [UInt64] = []
        for w in words {
            guard (1...16).contains(w.utf8.count), w.utf8.allSatisfy(hex.contains), let v = UInt64(w, radix: 16) else {
                throw corrupt("random generator '\(name)' state word '\(w)' is not a 64-bit hexadecimal number")
            }
            values.append(v)
        }
        guard values.count == 4 else { throw corrupt("random generator '\(name)' state must be 4 words, got \(values.count)") }
        guard values.contains(where: { $0 != 0 }) else { throw corrupt("random generator '\(name)' state is all zero") }
        return values
    }

    /// The history must list epochs in increasing order, none after the checkpoint's epoch.
    private static func history(_ h: TrainingHistory, epoch: Int, corrupt: (String) -> CheckpointError) throws(CheckpointError) -> TrainingHistory {
        var previous = 0
        for r in h.records {
            guard r.epoch > previous, r.epoch <= epoch else {
                throw corrupt("history epoch \(r.epoch) is out of order or after the checkpoint's epoch \(epoch)")
            }
            previous = r.epoch
        }
        return h
    }
}
