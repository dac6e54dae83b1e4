import Foundation

/// L2-regularised logistic regression fitted to convergence by L-BFGS, with scikit-learn's
/// `LogisticRegression(penalty="l2", C=…, solver="lbfgs")` semantics: it minimises
/// C · Σᵢ loss(xᵢ, yᵢ) + ½‖W‖² (the intercepts are not penalised). Two classes use one weight
/// vector and the binomial loss (as scikit-learn does); more classes the multinomial (softmax)
/// loss with one weight vector per class. The simple, strong baseline every tabular model should beat.
///
/// ```swift
/// let baseline = try LogisticRegression.fit(features: trainRows, labels: trainLabels, classCount: 2)
/// let probabilities = baseline.probabilities(testRows)    // rows sum to 1
/// ```
public struct LogisticRegression: Sendable, Equatable {
    /// Classes.
    public let classCount: Int
    /// Features per example.
    public let featureCount: Int
    /// Weights: one row for two classes (the second class's logit), else one row per class.
    public let weights: [[Double]]
    /// Intercepts, one per row of `weights`.
    public let intercepts: [Double]
    /// The inverse regularisation strength C.
    public let inverseRegularization: Double
    /// L-BFGS iterations taken.
    public let iterations: Int
    /// Whether the gradient fell below the tolerance.
    public let converged: Bool

    /// Fits the model.
    /// - Parameters:
    ///   - features: one row per example, all of one width (standardise them first, as for any
    ///     L2-penalised model).
    ///   - labels: classes in `0..<classCount`.
    ///   - inverseRegularization: C > 0 (scikit-learn's default 1).
    ///   - maxIterations: L-BFGS's limit (scikit-learn's default is 100; here 1000, to converge).
    /// - Throws: `BaselineError.invalidData` for empty, mismatched or non-finite input, or fewer
    ///   than two classes present.
    public static func fit(features: [[Float]], labels: [Int], classCount: Int, inverseRegularization: Double = 1,
                           maxIterations: Int = 1000, gradientTolerance: Double = 1e-8) throws(BaselineError) -> LogisticRegression {
        let (n, d) = try BaselineInput.check(features: features, labels: labels, classCount: classCount, name: "logistic regression")
        guard inverseRegularization > 0, inverseRegularization.isFinite else {
            throw .invalidParameters("logistic regression: C must be positive, got \(inverseRegularization)")
        }
        guard Set(labels).count >= 2 else { throw .invalidData("logistic regression needs at least two classes in the labels") }
        let rows = classCount == 2 ? 1 : classCount
        let x = features.map { $0.map(Double.init) }
        let c = inverseRegularization
        // Parameters: rows × (d weights + 1 intercept), row-major.
        let width = d + 1
        let objective = { (theta: [Double]) -> (value: Double, gradient: [Double]) in
            var value = 0.0
            var gradient = [Double](repeating: 0, count: rows * width)
            var z = [Double](repeating: 0, count: rows)
            for i in 0..<n {
                for r in 0..<rows {
                    var s = theta[r * width + d]
                    for j in 0..<d { s += theta[r * width + j] * x[i][j] }
                    z[r] = s
                }
                // dLoss/dz per row.
                var dz = [Double](repeating: 0, count: rows)
                if rows == 1 {
                    // Binomial: loss = log(1 + e^z) − y·z, with y = 1 for the second class.
                    let y = labels[i] == 1 ? 1.0 : 0.0
                    let t = z[0]
                    value += (t > 0 ? t + Foundation.log1p(Foundation.exp(-t)) : Foundation.log1p(Foundation.exp(t))) - y * t
                    dz[0] = 1 / (1 + Foundation.exp(-t)) - y
                } else {
                    let top = z.max()!
                    var sum = 0.0
                    for r in 0..<rows { sum += Foundation.exp(z[r] - top) }
                    let logSum = top + Foundation.log(sum)
                    value += logSum - z[labels[i]]
                    for r in 0..<rows { dz[r] = Foundation.exp(z[r] - logSum) - (r == labels[i] ? 1 : 0) }
                }
                for r in 0..<rows where dz[r] != 0 {
                    let g = c * dz[r]
                    for j in 0..<d { gradient[r * width + j] += g * x[i][j] }
                    gradient[r * width + d] += g
                }
            }
            value *= c
            for r in 0..<rows {
                for j in 0..<d {
                    let w = theta[r * width + j]
                    value += 0.5 * w * w
                    gradient[r * width + j] += w
                }
            }
            // Divided by the row count (the same minimiser), so the gradient tolerance does not scale with the data.
            let scale = 1 / Double(n)
            return (value * scale, gradient.map { $0 * scale })
        }
        let result = LBFGS.minimize(from: [Double](repeating: 0, count: rows * width), memory: 10, maxIterations: maxIterations,
                                    gradientTolerance: gradientTolerance, objective)
        guard result.value.isFinite else { throw .invalidData("logistic regression: the fit diverged") }
        return LogisticRegression(classCount: classCount, featureCount: d,
                                  weights: (0..<rows).map { Array(result.x[($0 * width)..<($0 * width + d)]) },
                                  intercepts: (0..<rows).map { result.x[$0 * width + d] }, inverseRegularization: c,
                                  iterations: result.iterations, converged: result.converged)
    }

    /// Class logits of each row (for two classes, [0, z]).
    public func logits(_ features: [[Float]]) -> [[Double]] {
        features.map { row in
            let z = zip(weights, intercepts).map { w, b in zip(w, row).reduce(b) { $0 + $1.0 * Double($1.1) } }
            return classCount == 2 ? [0, z[0]] : z
        }
    }

    /// Class probabilities of each row.
    public func probabilities(_ features: [[Float]]) -> [[Double]] { logits(features).map(LogitCalibration.softmax) }

    /// The likeliest class of each row.
    public func predict(_ features: [[Float]]) -> [Int] {
        logits(features).map { z in z.indices.max { z[$0] < z[$1] } ?? 0 }
    }
}

/// Predicts the training split's class frequencies for every example (scikit-learn's
/// `DummyClassifier(strategy="prior")`): its accuracy is the majority class's share, its log loss
/// the labels' entropy — the floor any classifier must clear.
public struct MajorityClassifier: Sendable, Equatable {
    /// The training labels' class frequencies.
    public let priors: [Double]

    /// Counts the classes of `labels`.
    /// - Throws: `BaselineError.invalidData` for no labels or one outside `0..<classCount`.
    public static func fit(labels: [Int], classCount: Int) throws(BaselineError) -> MajorityClassifier {
        guard !labels.isEmpty, classCount >= 1 else { throw .invalidData("the majority baseline needs labels") }
        var counts = [Double](repeating: 0, count: classCount)
        for label in labels {
            guard (0..<classCount).contains(label) else { throw .invalidData("label \(label) is outside 0..<\(classCount)") }
            counts[label] += 1
        }
        return MajorityClassifier(priors: counts.map { $0 / Double(labels.count) })
    }

    /// The priors for each of `count` examples.
    public func probabilities(count: Int) -> [[Double]] { [[Double]](repeating: priors, count: count) }

    /// The majority class (the first of equally frequent ones).
    public var majorityClass: Int { priors.indices.max { priors[$0] < priors[$1] || (priors[$0] == priors[$1] && $0 > $1) } ?? 0 }
}
