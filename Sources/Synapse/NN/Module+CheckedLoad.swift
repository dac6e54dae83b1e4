import Foundation

extension Module {
    /// Loads the `model.` part of the training checkpoint at `url`, verified (checksum, field
    /// ranges, finite weights) exactly as a resume would verify it.
    func loadCheckpointWeights(from url: URL, strict: Bool, mapping: [StateDictKeyRule] = [],
                               keyMap: ((String) -> String?)? = nil) throws -> IncompatibleKeys {
        let checkpoint = try Checkpoint.read(from: url)
        try Self.requireFinite(checkpoint.model, path: url.path)
        return try loadStateDict(checkpoint.model, strict: strict, mapping: mapping, keyMap: keyMap)
    }

    /// Throws `SafeTensorsError.nonFinite` naming the first tensor (in name order) that holds NaN or
    /// an infinity: a model with such weights would evaluate to garbage without any error.
    static func requireFinite(_ state: [String: Tensor], path: String) throws(SafeTensorsError) {
        for name in state.keys.sorted() {
            let t = state[name]!
            if let i = t.firstNonFiniteIndex() {
                throw .nonFinite(path: path, name: name, index: i, value: t.contiguous().scalars[i])
            }
        }
    }
}
