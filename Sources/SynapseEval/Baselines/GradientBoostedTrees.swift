import Foundation

/// Settings of `GradientBoostedTrees`, with scikit-learn's `HistGradientBoosting*` defaults.
public struct GradientBoostingOptions: Sendable, Equatable {
    /// Shrinkage: each tree's leaf values are multiplied by it.
    public var learningRate = 0.1
    /// Boosting iterations (trees per output), at most.
    public var maxIterations = 100
    /// Leaves per tree: trees grow leaf-wise (best-first), splitting the leaf with the largest gain.
    public var maxLeafNodes = 31
    /// Depth limit (nil: none; leaf-wise growth is bounded by `maxLeafNodes`).
    public var maxDepth: Int? = nil
    /// The fewest training rows in a leaf.
    public var minSamplesLeaf = 20
    /// L2 regularisation λ of the leaf values, −G / (H + λ).
    public var l2Regularization = 0.0
    /// Bins per feature (at most 255).
    public var maxBins = 255
    /// Stop when the validation loss has not improved by `tolerance` for this many iterations (nil:
    /// run every iteration). Needs validation data.
    public var earlyStoppingRounds: Int? = 10
    /// The improvement that counts for early stopping.
    public var tolerance = 1e-7

    /// The defaults.
    public init() {}
}

/// Histogram-based gradient-boosted decision trees, as LightGBM and scikit-learn's
/// `HistGradientBoostingClassifier`/`Regressor`: features binned into at most 255 quantile bins,
/// trees grown leaf-wise on gradient and hessian histograms (a child's histogram is its parent's
/// minus its sibling's), leaf values −η·G/(H + λ), the squared error for regression, the binomial
/// log-loss for two classes and one tree per class with the multinomial log-loss for more, and early
/// stopping on validation data. The strong tabular baseline next to logistic regression.
///
/// ```swift
/// let trees = try GradientBoostedTrees.fitClassifier(features: trainRows, labels: trainLabels, classCount: 2,
///                                                    validation: (validationRows, validationLabels))
/// let probabilities = trees.probabilities(testRows)
/// ```
public struct GradientBoostedTrees: Sendable {
    /// What the trees model.
    public enum Task: Sendable, Equatable {
        /// Squared error on a numeric target.
        case regression
        /// Log-loss over `classes` classes.
        case classification(classes: Int)
    }

    /// The task.
    public let task: Task
    /// The settings.
    public let options: GradientBoostingOptions
    /// Boosting iterations run (fewer than `options.maxIterations` after early stopping).
    public let iterations: Int
    /// The raw score before any tree, per output (mean target; log-odds or log-priors).
    let baseline: [Double]
    let binning: FeatureBinning
    /// trees[iteration][output].
    let trees: [[BoostedTree]]

    /// Outputs per example: 1 for regression and two classes, the class count otherwise.
    var outputs: Int { baseline.count }

    /// Fits a classifier on `labels` in `0..<classCount`, early-stopping on `validation` when given.
    /// - Throws: `BaselineError` for empty, mismatched or non-finite input or settings out of range.
    public static func fitClassifier(features: [[Float]], labels: [Int], classCount: Int,
                                     validation: (features: [[Float]], labels: [Int])? = nil,
                                     options: GradientBoostingOptions = GradientBoostingOptions()) throws(BaselineError) -> GradientBoostedTrees {
        _ = try BaselineInput.check(features: features, labels: labels, classCount: classCount, name: "gradient boosting")
        if let validation {
            _ = try BaselineInput.check(features: validation.features, labels: validation.labels, classCount: classCount,
                                        name: "gradient boosting (validation)")
        }
        let targets = labels.map(Double.init)
        return try fit(task: .classification(classes: classCount), features: features, targets: targets,
                       validation: validation.map { ($0.features, $0.labels.map(Double.init)) }, options: options)
    }

    /// Fits a regressor on `targets`, early-stopping on `validation` when given.
    /// - Throws: `BaselineError` for empty, mismatched or non-finite input or settings out of range.
    public static func fitRegressor(features: [[Float]], targets: [Double], validation: (features: [[Float]], targets: [Double])? = nil,
                                    options: GradientBoostingOptions = GradientBoostingOptions()) throws(BaselineError) -> GradientBoostedTrees {
        _ = try BaselineInput.check(features: features, labels: [Int](repeating: 0, count: targets.count), classCount: 2,
                                    name: "gradient boosting")
        guard targets.allSatisfy(\.isFinite) else { throw .invalidData("gradient boosting: non-finite targets") }
        if let validation {
            _ = try BaselineInput.check(features: validation.features, labels: [Int](repeating: 0, count: validation.targets.count),
                                        classCount: 2, name: "gradient boosting (validation)")
        }
        return try fit(task: .regression, features: features, targets: targets, validation: validation, options: options)
    }

    private static func fit(task: Task, features: [[Float]], targets: [Double], validation: ([[Float]], [Double])?,
                            options o: GradientBoostingOptions) throws(BaselineError) -> GradientBoostedTrees {
        guard o.learningRate > 0, o.learningRate.isFinite, o.maxIterations >= 1, o.maxLeafNodes >= 2, o.minSamplesLeaf >= 1,
              o.l2Regularization >= 0, (2...255).contains(o.maxBins), (o.maxDepth ?? 1) >= 1, (o.earlyStoppingRounds ?? 1) >= 1 else {
            throw .invalidParameters("gradient boosting: settings out of range: \(o)")
        }
        let d = features[0].count
        if let validation, validation.0.first?.count != d {
            throw .invalidData("gradient boosting: validation rows have \(validation.0.first?.count ?? 0) features, training rows \(d)")
        }
        let n = features.count
        let binning = FeatureBinning(columns: (0..<d).map { f in features.map { $0[f] } }, maxBins: o.maxBins)
        let bins = binning.binned(features)
        let binCounts = binning.thresholds.map { $0.count + 1 }
        let loss = BoostingLoss(task: task)
        let k = loss.outputs
        let baseline = loss.baseline(targets)
        var raw = [Double](repeating: 0, count: n * k)
        for i in 0..<n { for c in 0..<k { raw[i * k + c] = baseline[c] } }
        let validationBins = validation.map { binning.binned($0.0) }
        var validationRaw = validation.map { v in (0..<(v.0.count * k)).map { baseline[$0 % k] } } ?? []
        var trees: [[BoostedTree]] = []
        var best = Double.infinity, sinceBest = 0
        var gradients = [Double](repeating: 0, count: n * k), hessians = [Double](repeating: 0, count: n * k)
        for _ in 0..<o.maxIterations {
            loss.gradients(raw: raw, targets: targets, gradients: &gradients, hessians: &hessians)
            var round: [BoostedTree] = []
            for c in 0..<k {
                let g = (0..<n).map { gradients[$0 * k + c] }, h = (0..<n).map { hessians[$0 * k + c] }
                let tree = BoostedTree.grow(bins: bins, rows: n, binCounts: binCounts, gradients: g, hessians: h, options: o)
                for i in 0..<n { raw[i * k + c] += tree.value(bins: bins, row: i, rows: n) }
                if let validation, let vb = validationBins {
                    let m = validation.0.count
                    for i in 0..<m { validationRaw[i * k + c] += tree.value(bins: vb, row: i, rows: m) }
                }
                round.append(tree)
            }
            trees.append(round)
            guard let rounds = o.earlyStoppingRounds, let validation else { continue }
            let current = loss.loss(raw: validationRaw, targets: validation.1)
            if current < best - o.tolerance { best = current; sinceBest = 0 } else { sinceBest += 1 }
            if sinceBest >= rounds { break }
        }
        return GradientBoostedTrees(task: task, options: o, iterations: trees.count, baseline: baseline, binning: binning, trees: trees)
    }

    /// The raw scores of each row (regression: the prediction; classification: logits, [0, z] for two classes).
    public func rawScores(_ rows: [[Float]]) -> [[Double]] {
        let bins = binning.binned(rows), n = rows.count
        return (0..<n).map { i in
            var z = baseline
            for round in trees { for (c, tree) in round.enumerated() { z[c] += tree.value(bins: bins, row: i, rows: n) } }
            if case .classification(let classes) = task, classes == 2 { return [0, z[0]] }
            return z
        }
    }

    /// Class probabilities of each row (classification).
    public func probabilities(_ rows: [[Float]]) -> [[Double]] { rawScores(rows).map(LogitCalibration.softmax) }

    /// The prediction of each row (regression; the likeliest class for classification).
    public func predictions(_ rows: [[Float]]) -> [Double] {
        rawScores(rows).map { z in task == .regression ? z[0] : Double(z.indices.max { z[$0] < z[$1] } ?? 0) }
    }
}

/// The loss being boosted: gradients and hessians of the raw scores, the starting score, the value.
struct BoostingLoss {
    let task: GradientBoostedTrees.Task

    /// Raw outputs per row.
    var outputs: Int {
        if case .classification(let classes) = task, classes > 2 { return classes }
        return 1
    }

    /// The best constant: the mean target, the log-odds of class 1, or the log class priors.
    func baseline(_ targets: [Double]) -> [Double] {
        let n = Double(targets.count)
        switch task {
        case .regression: return [targets.reduce(0, +) / n]
        case .classification(let classes) where classes == 2:
            let p = min(max(targets.reduce(0, +) / n, 1e-12), 1 - 1e-12)
            return [Foundation.log(p / (1 - p))]
        case .classification(let classes):
            var counts = [Double](repeating: 0, count: classes)
            for t in targets { counts[Int(t)] += 1 }
            return counts.map { Foundation.log(max($0 / n, 1e-12)) }
        }
    }

    func gradients(raw: [Double], targets: [Double], gradients g: inout [Double], hessians h: inout [Double]) {
        let k = outputs
        for i in targets.indices {
            switch task {
            case .regression:
                g[i] = raw[i] - targets[i]
                h[i] = 1
            case .classification where k == 1:
                let p = 1 / (1 + Foundation.exp(-raw[i]))
                g[i] = p - targets[i]
                h[i] = max(p * (1 - p), 1e-16)
            case .classification:
                let row = raw[(i * k)..<((i + 1) * k)]
                let top = row.max()!
                let e = row.map { Foundation.exp($0 - top) }
                let sum = e.reduce(0, +)
                for c in 0..<k {
                    let p = e[c] / sum
                    g[i * k + c] = p - (Int(targets[i]) == c ? 1 : 0)
                    h[i * k + c] = max(p * (1 - p), 1e-16)
                }
            }
        }
    }

    /// The mean loss (half squared error; log-loss).
    func loss(raw: [Double], targets: [Double]) -> Double {
        let k = outputs
        var total = 0.0
        for i in targets.indices {
            switch task {
            case .regression:
                let r = raw[i] - targets[i]
                total += 0.5 * r * r
            case .classification where k == 1:
                let z = raw[i]
                total += (z > 0 ? z + Foundation.log1p(Foundation.exp(-z)) : Foundation.log1p(Foundation.exp(z))) - targets[i] * z
            case .classification:
                let row = raw[(i * k)..<((i + 1) * k)]
                let top = row.max()!
                total += top + Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - top) }) - row[row.startIndex + Int(targets[i])]
            }
        }
        return total / Double(max(targets.count, 1))
    }
}
