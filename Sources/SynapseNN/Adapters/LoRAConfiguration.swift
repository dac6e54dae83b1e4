import Foundation

/// Which layers get LoRA adapters and how (the fields of `peft`'s `LoraConfig` that apply to
/// `Linear` layers; `adapter_config.json` uses peft's keys).
public struct LoRAConfiguration: Codable, Sendable, Equatable {
    /// The rank r of every adapter.
    public var rank: Int
    /// The scaling numerator: updates are scaled by alpha / r.
    public var alpha: Double
    /// Dropout on each adapter's input during training.
    public var dropout: Double
    /// Layer names to adapt, matched as peft matches `target_modules`: a `Linear` whose dotted path
    /// equals an entry or ends with "." + entry (e.g. `["query", "value"]`).
    public var targetModules: [String]
    /// Modules that train in full beside the adapters (peft's `modules_to_save`, e.g. a new
    /// classification head), matched the same way.
    public var modulesToSave: [String]

    enum CodingKeys: String, CodingKey {
        case rank = "r", alpha = "lora_alpha", dropout = "lora_dropout", targetModules = "target_modules"
        case modulesToSave = "modules_to_save", peftType = "peft_type", bias = "bias", fanInFanOut = "fan_in_fan_out"
    }

    /// A configuration; the defaults are peft's (r 8, alpha 8, no dropout).
    public init(rank: Int = 8, alpha: Double = 8, dropout: Double = 0, targetModules: [String], modulesToSave: [String] = []) {
        self.rank = rank
        self.alpha = alpha
        self.dropout = dropout
        self.targetModules = targetModules
        self.modulesToSave = modulesToSave
    }

    /// Decodes peft's `adapter_config.json`; settings this implementation does not support
    /// (biases trained by LoRA, `fan_in_fan_out`, other adapter types) are refused.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let type = try c.decodeIfPresent(String.self, forKey: .peftType), type != "LORA" {
            throw DecodingError.dataCorruptedError(forKey: .peftType, in: c, debugDescription: "peft_type \(type) (only LORA)")
        }
        if let bias = try c.decodeIfPresent(String.self, forKey: .bias), bias != "none" {
            throw DecodingError.dataCorruptedError(forKey: .bias, in: c, debugDescription: "bias '\(bias)' (only 'none')")
        }
        if try c.decodeIfPresent(Bool.self, forKey: .fanInFanOut) == true {
            throw DecodingError.dataCorruptedError(forKey: .fanInFanOut, in: c, debugDescription: "fan_in_fan_out (Conv1D layers) is not supported")
        }
        rank = try c.decode(Int.self, forKey: .rank)
        alpha = try c.decode(Double.self, forKey: .alpha)
        dropout = try c.decodeIfPresent(Double.self, forKey: .dropout) ?? 0
        // peft also accepts a single regex string; only lists of names are supported here.
        targetModules = try c.decode([String].self, forKey: .targetModules)
        modulesToSave = try c.decodeIfPresent([String].self, forKey: .modulesToSave) ?? []
        if let problem = validationProblem() {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: problem))
        }
    }

    /// Encodes peft's keys (with `peft_type` LORA and `bias` none).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("LORA", forKey: .peftType)
        try c.encode(rank, forKey: .rank)
        try c.encode(alpha, forKey: .alpha)
        try c.encode(dropout, forKey: .dropout)
        try c.encode(targetModules, forKey: .targetModules)
        try c.encode(modulesToSave, forKey: .modulesToSave)
        try c.encode("none", forKey: .bias)
        try c.encode(false, forKey: .fanInFanOut)
    }

    /// A sentence describing the first invalid setting, or nil.
    public func validationProblem() -> String? {
        if !(1...65_536).contains(rank) { return "r must be in 1...65536, got \(rank)" }
        if !alpha.isFinite || alpha <= 0 { return "lora_alpha must be positive, got \(alpha)" }
        if !(0..<1).contains(dropout) { return "lora_dropout must be in [0, 1), got \(dropout)" }
        if targetModules.isEmpty { return "target_modules is empty" }
        return nil
    }

    /// Whether the module at dotted `path` matches one of `names` (peft's rule).
    static func matches(_ path: String, _ names: [String]) -> Bool {
        names.contains { path == $0 || path.hasSuffix("." + $0) }
    }
}
