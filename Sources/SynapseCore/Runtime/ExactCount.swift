/// Conversions of numbers read from files (checkpoints, optimizer and scheduler state), which never
/// trap: a damaged or hostile file must produce an error, and `Int(Double)` traps on NaN,
/// infinities and values beyond `Int`.
extension Double {
    /// Largest count a checkpoint may hold (2^40): far beyond any real epoch or step count, and
    /// small enough that arithmetic on it (`step + 1`, `step * batchSize`) cannot overflow.
    package static let maximumCheckpointCount = 1_099_511_627_776.0

    /// The value as a count, or nil unless it is an integer in `0...2^40`.
    package var exactCount: Int? {
        guard isFinite, self >= 0, self <= Double.maximumCheckpointCount, self == rounded() else { return nil }
        return Int(self)
    }
}

extension Float {
    /// The value as a count, or nil unless it is an integer in `0...2^40`.
    package var exactCount: Int? { Double(self).exactCount }
}
