import Foundation
import SynapseCore
import SynapseIO

extension Module {
    /// Loads the `model.` part of the training checkpoint in `archive` (read from `url`), verified
    /// (every tensor F32, the checksum over header and tensors, finite weights). The training-state
    /// fields are `Checkpoint`'s business: they do not affect the weights.
    func loadCheckpointWeights(_ archive: SafeTensorsArchive, from url: URL, strict: Bool, mapping: [StateDictKeyRule] = [],
                               keyMap: ((String) -> String?)? = nil) throws -> IncompatibleKeys {
        let (_, tensors) = try CheckpointContainer.open(archive, path: url.path)
        var model: [String: Tensor] = [:]
        for (name, t) in tensors where name.hasPrefix("model.") { model[String(name.dropFirst("model.".count))] = t }
        try Self.requireFinite(model, path: url.path)
        return try loadStateDict(model, strict: strict, mapping: mapping, keyMap: keyMap)
    }

    /// Throws `SafeTensorsError.nonFinite` naming the first tensor (in name order) that holds NaN or
    /// an infinity: a model with such weights would evaluate to garbage without any error.
    static func requireFinite(_ state: [String: Tensor], path: String) throws(SafeTensorsError) {
        for name in state.keys.sorted() {
            let t = state[name]!
            if !t.isAllFinite, let bad = t.firstNonFinite() {
                throw .nonFinite(path: path, name: name, index: bad.index, value: bad.value)
            }
        }
    }
}
