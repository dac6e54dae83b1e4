import SynapseCore

/// The colour layout images are converted to for training: one grey channel or three RGB ones.
public enum ImageColor: Int, Sendable, CaseIterable, Codable {
    /// One channel: ITU-R 601-2 luma, as Pillow's `convert("L")` computes it.
    case gray = 1
    /// Three channels: red, green, blue (grey images are replicated, alpha is dropped, as Pillow's
    /// `convert("RGB")` does).
    case rgb = 3

    /// Number of channels.
    public var channels: Int { rawValue }
}
