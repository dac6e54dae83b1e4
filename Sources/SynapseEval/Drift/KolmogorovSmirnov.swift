import Foundation

/// The two-sample Kolmogorov-Smirnov statistic: how far apart two empirical distributions are.
///
/// D = supₓ |F₁(x) − F₂(x)| over the two empirical cumulative distribution functions, computed
/// exactly with ties handled as SciPy's `ks_2samp` does: both functions are evaluated after *all*
/// copies of a value, so values shared by the two samples never create a spurious jump. D lies in
/// [0, 1]; 0 means identical empirical distributions.
public enum KolmogorovSmirnov {
    /// D between `reference` (expected sorted ascending, as a `TrainingDataProfile` stores it; an
    /// unsorted array is sorted first) and `sample` (any order). Non-finite values are ignored; the
    /// statistic is 0 when either side has no finite values (no evidence of a difference).
    public static func statistic(reference: [Double], sample: [Double]) -> Double {
        let ref = sortedFinite(reference)
        let live = sortedFinite(sample)
        guard !ref.isEmpty, !live.isEmpty else { return 0 }
        let n1 = Double(ref.count), n2 = Double(live.count)
        var i = 0, j = 0, d = 0.0
        while i < ref.count, j < live.count {
            // Step past every copy of the smaller next value in both samples before comparing.
            let x = Swift.min(ref[i], live[j])
            while i < ref.count, ref[i] == x { i += 1 }
            while j < live.count, live[j] == x { j += 1 }
            d = Swift.max(d, abs(Double(i) / n1 - Double(j) / n2))
        }
        // Once one sample is exhausted its function is 1; the other only climbs towards 1 from
        // here, so the gap only shrinks and the supremum is already found.
        return d
    }

    /// The asymptotic p-value of D for samples of sizes `referenceCount` and `sampleCount`: the
    /// survival function of Kolmogorov's limiting distribution at λ = √(n·m/(n+m)) · D
    /// (SciPy's `kstwobign.sf`), Q(λ) = 2 Σₖ₌₁^∞ (−1)^(k−1) e^(−2k²λ²). It has no finite-size
    /// correction, so it is approximate for small samples; 1 when either size is zero.
    public static func asymptoticPValue(statistic d: Double, referenceCount: Int, sampleCount: Int) -> Double {
        guard referenceCount > 0, sampleCount > 0, d > 0 else { return 1 }
        let n = Double(referenceCount), m = Double(sampleCount)
        return kolmogorovSurvival(sqrt(n * m / (n + m)) * d)
    }

    /// Q(λ) = P(K > λ) for Kolmogorov's distribution K. For small λ the alternating series
    /// converges slowly, so there the complementary (Jacobi theta) form of the CDF is used.
    package static func kolmogorovSurvival(_ lambda: Double) -> Double {
        if lambda <= 0 { return 1 }
        if lambda < 1 {
            // P(K ≤ λ) = √(2π)/λ · Σₖ₌₁^∞ exp(−(2k−1)²π²/(8λ²))
            let w = -Double.pi * Double.pi / (8 * lambda * lambda)
            var sum = 0.0
            for k in 1...50 {
                let odd = Double(2 * k - 1)
                let term = exp(odd * odd * w)
                sum += term
                if term < 1e-17 * sum { break }
            }
            return Swift.max(0, 1 - sqrt(2 * Double.pi) / lambda * sum)
        }
        var sum = 0.0
        for k in 1...100 {
            let kk = Double(k)
            let term = exp(-2 * kk * kk * lambda * lambda)
            sum += k % 2 == 1 ? term : -term
            if term < 1e-17 * abs(sum) { break }
        }
        return Swift.min(1, Swift.max(0, 2 * sum))
    }

    /// The finite values of `values`, ascending; no copy is sorted when the input already is.
    private static func sortedFinite(_ values: [Double]) -> [Double] {
        var finite = values.allSatisfy(\.isFinite) ? values : values.filter(\.isFinite)
        if !isSorted(finite) { finite.sort() }
        return finite
    }

    /// Whether `values` is ascending (O(n), cheaper than sorting again).
    package static func isSorted(_ values: [Double]) -> Bool {
        var previous = -Double.infinity
        for v in values {
            if !(v >= previous) { return false }
            previous = v
        }
        return true
    }
}
