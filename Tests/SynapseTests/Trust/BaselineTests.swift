import Foundation
import Testing
@testable import Synapse
@testable import SynapseEval

/// The tabular baselines against scikit-learn (`scripts/make-baseline-fixtures.py`): L2 logistic
/// regression on standardised breast cancer (binomial) and wine (multinomial) data at C = 1 and
/// C = 0.1, and the class-prior ("majority") classifier.
///
/// Tolerances. Both sides minimise the same strictly convex objective to a gradient of 10⁻⁸ or
/// less, so coefficients agree to 10⁻⁴ (absolute; they are of order 1) and test probabilities to 10⁻⁵.
@Suite struct BaselineTests {
    struct Case: Decodable {
        struct Fit: Decodable {
            let coef: [[Double]], intercept: [Double], proba_test: [[Double]], accuracy: Double
        }
        let x_train: [[Float]], y_train: [Int], x_test: [[Float]], y_test: [Int], classes: Int
        let c1: Fit, c0_1: Fit, priors: [Double], dummy_accuracy: Double
        let hgb_accuracy: Double, hgb_log_loss: Double

        enum CodingKeys: String, CodingKey {
            case x_train, y_train, x_test, y_test, classes, c1, priors, dummy_accuracy, hgb_accuracy, hgb_log_loss
            case c0_1 = "c0.1"
        }
    }

    struct Regression: Decodable {
        let x_train: [[Float]], y_train: [Double], x_test: [[Float]], y_test: [Double], hgb_rmse: Double, mean_rmse: Double
    }

    struct File: Decodable {
        let breast_cancer: Case, wine: Case, diabetes: Regression
    }

    static func file() throws -> File {
        guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { throw Golden.Failure("no Fixtures") }
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: dir.appendingPathComponent("baselines/baselines.json")))
    }

    static func fixture() throws -> [String: Case] {
        let f = try file()
        return ["breast_cancer": f.breast_cancer, "wine": f.wine]
    }

    @Test(arguments: ["breast_cancer", "wine"])
    func logisticRegressionMatchesScikitLearn(_ name: String) throws {
        let f = try #require(try Self.fixture()[name])
        for (c, reference) in [(1.0, f.c1), (0.1, f.c0_1)] {
            let model = try LogisticRegression.fit(features: f.x_train, labels: f.y_train, classCount: f.classes, inverseRegularization: c)
            #expect(model.converged, "\(name) C \(c): \(model.iterations) iterations")
            for (row, expected) in zip(model.weights, reference.coef) {
                for (a, b) in zip(row, expected) { #expect(abs(a - b) <= 1e-4, "\(name) C \(c): coefficient \(a) vs \(b)") }
            }
            for (a, b) in zip(model.intercepts, reference.intercept) { #expect(abs(a - b) <= 1e-4, "\(name) C \(c): intercept \(a) vs \(b)") }
            let probabilities = model.probabilities(f.x_test)
            for (row, expected) in zip(probabilities, reference.proba_test) {
                for (a, b) in zip(row, expected) { #expect(abs(a - b) <= 1e-5) }
            }
            let predicted = model.predict(f.x_test)
            let accuracy = Double(zip(predicted, f.y_test).filter { $0 == $1 }.count) / Double(f.y_test.count)
            #expect(accuracy == reference.accuracy)
        }
    }

    @Test(arguments: ["breast_cancer", "wine"])
    func majorityMatchesTheDummyClassifier(_ name: String) throws {
        let f = try #require(try Self.fixture()[name])
        let majority = try MajorityClassifier.fit(labels: f.y_train, classCount: f.classes)
        for (a, b) in zip(majority.priors, f.priors) { #expect(abs(a - b) <= 1e-12) }
        let accuracy = Double(f.y_test.filter { $0 == majority.majorityClass }.count) / Double(f.y_test.count)
        #expect(abs(accuracy - f.dummy_accuracy) <= 1e-12)
        #expect(majority.probabilities(count: 3) == [[Double]](repeating: majority.priors, count: 3))
    }

    @Test func badInputIsRefused() throws {
        let rows: [[Float]] = [[0, 1], [1, 0], [1, 1]]
        #expect(throws: BaselineError.self) { try LogisticRegression.fit(features: rows, labels: [0, 1], classCount: 2) }
        #expect(throws: BaselineError.self) { try LogisticRegression.fit(features: rows, labels: [0, 0, 0], classCount: 2) }
        #expect(throws: BaselineError.self) { try LogisticRegression.fit(features: rows, labels: [0, 1, 2], classCount: 2) }
        #expect(throws: BaselineError.self) { try LogisticRegression.fit(features: [[0, .nan], [1, 0]], labels: [0, 1], classCount: 2) }
        #expect(throws: BaselineError.self) { try LogisticRegression.fit(features: rows, labels: [0, 1, 1], classCount: 2, inverseRegularization: 0) }
        #expect(throws: BaselineError.self) { try MajorityClassifier.fit(labels: [], classCount: 2) }
        // Separable data stays finite: the penalty bounds the weights.
        let separable = try LogisticRegression.fit(features: rows, labels: [0, 1, 1], classCount: 2)
        #expect(separable.weights.joined().allSatisfy(\.isFinite) && separable.converged)
    }

    /// Histogram gradient boosting with scikit-learn's defaults lands where scikit-learn's does: the
    /// binning and tie-breaking differ in detail, so the figures are compared within a margin (test
    /// accuracy within 0.035, log loss within 0.06, RMSE within 5%), not value by value.
    @Test func gradientBoostingMatchesScikitLearn() throws {
        let f = try Self.file()
        var options = GradientBoostingOptions()
        options.earlyStoppingRounds = nil
        for (name, c) in [("breast cancer", f.breast_cancer), ("wine", f.wine)] {
            let trees = try GradientBoostedTrees.fitClassifier(features: c.x_train, labels: c.y_train, classCount: c.classes, options: options)
            #expect(trees.iterations == 100)
            let probabilities = trees.probabilities(c.x_test)
            let summary = try ClassificationSummary(labels: c.y_test, probabilities: probabilities)
            #expect(abs(summary.accuracy - c.hgb_accuracy) <= 0.035, "\(name): accuracy \(summary.accuracy) vs scikit-learn \(c.hgb_accuracy)")
            #expect(abs(summary.logLoss - c.hgb_log_loss) <= 0.06, "\(name): log loss \(summary.logLoss) vs scikit-learn \(c.hgb_log_loss)")
        }
        let r = f.diabetes
        let regressor = try GradientBoostedTrees.fitRegressor(features: r.x_train, targets: r.y_train, options: options)
        let predicted = regressor.predictions(r.x_test)
        let rmse = (zip(predicted, r.y_test).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(r.y_test.count)).squareRoot()
        #expect(abs(rmse - r.hgb_rmse) <= 0.05 * r.hgb_rmse && rmse < r.mean_rmse, "diabetes: RMSE \(rmse) vs scikit-learn \(r.hgb_rmse)")
    }

    @Test func gradientBoostingProperties() throws {
        // A step function of one feature: one split at the step, found exactly.
        let xs: [[Float]] = (0..<200).map { [Float($0) / 10] }
        let ys = xs.map { $0[0] < 7.05 ? 1.0 : 5.0 }
        var one = GradientBoostingOptions()
        one.maxLeafNodes = 2
        one.learningRate = 1
        one.maxIterations = 1
        one.earlyStoppingRounds = nil
        let stump = try GradientBoostedTrees.fitRegressor(features: xs, targets: ys, options: one)
        #expect(zip(stump.predictions(xs), ys).allSatisfy { abs($0 - $1) < 1e-9 })
        // Early stopping on validation data ends a run whose validation loss stalls.
        let f = try Self.file()
        let c = f.breast_cancer
        let split = c.x_train.count * 3 / 4
        let stopped = try GradientBoostedTrees.fitClassifier(features: Array(c.x_train[..<split]), labels: Array(c.y_train[..<split]),
                                                             classCount: 2, validation: (Array(c.x_train[split...]), Array(c.y_train[split...])),
                                                             options: GradientBoostingOptions())
        #expect(stopped.iterations < 100, "\(stopped.iterations) iterations")
        // Bad input and settings are typed errors.
        #expect(throws: BaselineError.self) { try GradientBoostedTrees.fitRegressor(features: xs, targets: Array(ys.dropLast())) }
        #expect(throws: BaselineError.self) { try GradientBoostedTrees.fitRegressor(features: xs, targets: ys.map { _ in .nan }) }
        var bad = GradientBoostingOptions()
        bad.maxBins = 256
        #expect(throws: BaselineError.self) { try GradientBoostedTrees.fitRegressor(features: xs, targets: ys, options: bad) }
        #expect(throws: BaselineError.self) {
            try GradientBoostedTrees.fitClassifier(features: xs, labels: ys.map { Int($0) }, classCount: 2)
        }
    }
}
