import Foundation
import SynapseCore

/// Group keys for slicing image datasets.
public enum ImageSlices {
    /// Mean pixel value of each image of `images` `[N, ...]`.
    public static func meanBrightness(_ images: Tensor) -> [Double] {
        let n = images.shape.first ?? 0
        guard n > 0 else { return [] }
        let per = images.count / n
        let values = images.scalars
        return (0..<n).map { i in values[(i * per)..<((i + 1) * per)].reduce(0.0) { $0 + Double($1) } / Double(max(per, 1)) }
    }

    /// Quantile buckets of mean image brightness: `buckets` groups of about equal size, keyed
    /// "Q1 darkest [0.052, 0.180]" ... so that slices separate faint from bold images whatever the
    /// dataset's overall brightness. Keys sort in brightness order.
    public static func brightnessBuckets(_ images: Tensor, buckets: Int = 4) -> [String] {
        let brightness = meanBrightness(images)
        let k = max(buckets, 1)
        guard !brightness.isEmpty else { return [] }
        let order = brightness.indices.sorted { brightness[$0] < brightness[$1] }
        var bucketOf = [Int](repeating: 0, count: brightness.count)
        for (rank, i) in order.enumerated() { bucketOf[i] = rank * k / brightness.count }
        var ranges = [(low: Double, high: Double)](repeating: (.infinity, -.infinity), count: k)
        for (i, b) in bucketOf.enumerated() {
            ranges[b] = (min(ranges[b].low, brightness[i]), max(ranges[b].high, brightness[i]))
        }
        let names = (0..<k).map { b -> String in
            let tag = b == 0 ? " darkest" : b == k - 1 ? " brightest" : ""
            return "Q\(b + 1)\(tag) [" + String(format: "%.3f, %.3f", ranges[b].low, ranges[b].high) + "]"
        }
        return bucketOf.map { names[$0] }
    }
}
