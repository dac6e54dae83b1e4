import Foundation
import SynapseCore
import SynapseIO

extension Module {
    /// Loads weights saved by PyTorch's `torch.save` (`.pt`, `.pth`, `.bin`): a state dict, or a
    /// nested checkpoint such as `{"model": state_dict, "optimizer": ..., "epoch": 3}`.
    ///
    /// No code in the file runs: see `PyTorchFile`. `keyPath` leads to the state dict inside a nested
    /// checkpoint (`["model"]`); empty, the root or its `state_dict`/`model_state_dict`/`model`/`net`/
    /// `module` entry is used. `mapping` and `keyMap` rename keys as in `loadStateDict` (e.g.
    /// `[.stripPrefix("module.")]` for a model saved from `DataParallel`). Every dtype is converted
    /// to Float32; conversions that changed values are listed in the result's `warnings`.
    /// - Returns: the missing and unexpected keys (with `strict: false`) and conversion warnings.
    @discardableResult
    public func loadPyTorch(from url: URL, keyPath: [String] = [], strict: Bool = true, mapping: [StateDictKeyRule] = [],
                            keyMap: ((String) -> String?)? = nil) throws -> IncompatibleKeys {
        let file = try PyTorchFile(contentsOf: url)
        let state = try file.stateDict(at: keyPath)
        try Self.requireFinite(state, path: url.path)
        var result = try loadStateDict(state, strict: strict, mapping: mapping, keyMap: keyMap)
        result.warnings += file.warnings
        return result
    }
}
