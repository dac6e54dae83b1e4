import Foundation
import SynapseCore

/// "Nice" axis ticks (multiples of 1, 2 or 5 times a power of ten) covering a data range,
/// as in Heckbert's "Nice numbers for graph labels" (Graphics Gems, 1990).
public enum AxisTicks {
    /// About `count` evenly spaced round values from at most `low` to at least `high`.
    public static func ticks(low: Double, high: Double, count: Int = 5) -> [Double] {
        guard low.isFinite, high.isFinite else { return [0, 1] }
        var (lo, hi) = (min(low, high), max(low, high))
        if hi - lo < 1e-12 { lo -= 0.5; hi += 0.5 }
        let step = niceStep((hi - lo) / Double(max(count - 1, 1)))
        let first = (lo / step).rounded(.down) * step
        let last = (hi / step).rounded(.up) * step
        var values: [Double] = []
        var v = first
        // The small slack absorbs rounding so the last tick is not lost to 0.30000000000000004.
        while v <= last + step * 1e-9, values.count < 100 {
            values.append(abs(v) < step * 1e-9 ? 0 : v)
            v += step
        }
        return values
    }

    /// A tick label with as many decimals as the step between ticks needs.
    public static func label(_ value: Double, step: Double) -> String {
        let decimals = step >= 1 || step <= 0 ? 0 : min(Int((-log10(step)).rounded(.up)), 6)
        if abs(value) >= 1e6 || (abs(value) < 1e-4 && value != 0) { return String(format: "%.2g", value) }
        return String(format: "%.\(decimals)f", value)
    }

    /// The round step (1, 2 or 5 × 10ⁿ) nearest to `raw`, as Heckbert rounds it.
    private static func niceStep(_ raw: Double) -> Double {
        let exponent = (log10(raw)).rounded(.down)
        let fraction = raw / pow(10, exponent)
        let nice: Double = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        return nice * pow(10, exponent)
    }
}
