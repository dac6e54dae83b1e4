import Foundation

/// A score of how much an input looks like the training distribution. Every score here is oriented
/// the same way — **higher means more in-distribution** — so one threshold rule, one AUROC
/// convention (in-distribution = positive) and one abstention rule serve them all.
public enum OODScore: String, Sendable, Codable, CaseIterable {
    /// The maximum softmax probability, max_k softmax(z)_k (Hendrycks & Gimpel 2017, the baseline).
    case msp
    /// The negative free energy, T · logsumexp(z / T) (Liu et al. 2020): unlike the MSP it keeps
    /// the logits' magnitude, which OOD inputs tend to lack.
    case energy
    /// The negative smallest Mahalanobis distance of the penultimate features to a class mean under
    /// a shared covariance (Lee et al. 2018); needs a `MahalanobisDetector` fitted on training data.
    case mahalanobis

    /// The name in reports ("maximum softmax probability").
    public var displayName: String {
        switch self {
        case .msp: "maximum softmax probability"
        case .energy: "energy (negative free energy)"
        case .mahalanobis: "Mahalanobis distance (penultimate features)"
        }
    }
}

/// Logit-based out-of-distribution scores (higher = more in-distribution).
public enum LogitOODScores {
    /// The maximum softmax probability of each row of logits, computed stably in Double.
    public static func maximumSoftmaxProbability(_ logits: [[Float]]) -> [Double] {
        logits.map { row in
            guard let m = row.max() else { return .nan }
            let top = Double(m)
            // max softmax = 1 / Σ exp(z_k − z_max).
            return 1 / row.reduce(0) { $0 + Foundation.exp(Double($1) - top) }
        }
    }

    /// The negative free energy T · logsumexp(z / T) of each row of logits (Liu et al. 2020's
    /// energy score with its sign flipped so that higher is more in-distribution), stably in Double.
    public static func energy(_ logits: [[Float]], temperature: Double = 1) -> [Double] {
        logits.map { row in
            guard let m = row.max() else { return .nan }
            let top = Double(m) / temperature
            return temperature * (top + Foundation.log(row.reduce(0) { $0 + Foundation.exp(Double($1) / temperature - top) }))
        }
    }
}
