import Foundation
import Testing
@testable import Synapse
@testable import SynapseEval

/// Out-of-distribution scores, detection metrics, thresholds and selective prediction, against NumPy,
/// SciPy and scikit-learn (`scripts/make-ood-fixtures.py`).
///
/// Tolerances. MSP, energy, AUROC, AUPR and AURC are computed the same way in Double on both sides:
/// 10⁻¹² (relative for energy). The Mahalanobis reference uses scikit-learn's pseudo-inverse
/// precision; ours drops the zero-variance feature and adds a 10⁻⁸-relative ridge, so scores agree
/// to 10⁻⁶ relative.
@Suite struct OODTests {
    struct Fixture: Decodable {
        let classes: Int
        let train: [[Float]], train_labels: [Int], test: [[Float]]
        let mahalanobis: [Double], nearest_class: [Int]
        let logits: [[Float]], msp: [Double], energy_t1: [Double], energy_t2: [Double]
        let in_scores: [Double], out_scores: [Double]
        let auroc: Double, aupr_in: Double, aupr_out: Double, fpr_at_95_tpr: Double
        let confidence: [Double], correct: [Bool], aurc: Double

        static func load() throws -> Fixture {
            guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { throw Golden.Failure("no Fixtures") }
            return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: dir.appendingPathComponent("ood/ood-reference.json")))
        }
    }

    @Test func mahalanobisMatchesScikitLearn() throws {
        let f = try Fixture.load()
        let detector = try MahalanobisDetector.fit(features: f.train, labels: f.train_labels, classCount: f.classes)
        #expect(detector.keptDimensions == [0, 1, 2, 3, 5], "the dead feature is left out: \(detector.keptDimensions)")
        let distances = try detector.distances(f.test)
        let scores = try detector.scores(f.test)
        for i in f.test.indices {
            #expect(abs(scores[i] - f.mahalanobis[i]) <= 1e-6 * max(1, abs(f.mahalanobis[i])), "row \(i): \(scores[i]) vs \(f.mahalanobis[i])")
            #expect(distances[i].nearestClass == f.nearest_class[i])
        }
        // The far rows (the second half, wide noise) score lower than the in-distribution ones.
        let auroc = try OODDetection(inDistribution: Array(scores[..<20]), outOfDistribution: Array(scores[20...])).auroc
        #expect(auroc > 0.9)
        // Round trip through Codable (the detector can be stored beside a model).
        let copy = try JSONDecoder().decode(MahalanobisDetector.self, from: JSONEncoder().encode(detector))
        #expect(try copy.scores(f.test) == scores)
    }

    @Test func mahalanobisRefusesBadInput() throws {
        let f = try Fixture.load()
        #expect(throws: OODError.self) { try MahalanobisDetector.fit(features: f.train, labels: Array(f.train_labels.dropLast()), classCount: 3) }
        #expect(throws: OODError.self) { try MahalanobisDetector.fit(features: f.train, labels: f.train_labels, classCount: 4) }  // class 3 empty
        #expect(throws: OODError.self) { try MahalanobisDetector.fit(features: f.train, labels: f.train_labels.map { $0 + 1 }, classCount: 3) }
        var nan = f.train
        nan[7][2] = .nan
        #expect(throws: OODError.self) { try MahalanobisDetector.fit(features: nan, labels: f.train_labels, classCount: 3) }
        let constant = [[Float]](repeating: [1, 2], count: 10)
        #expect(throws: OODError.self) { try MahalanobisDetector.fit(features: constant, labels: [Int](repeating: 0, count: 10), classCount: 1) }
        let detector = try MahalanobisDetector.fit(features: f.train, labels: f.train_labels, classCount: 3)
        #expect(throws: OODError.self) { try detector.scores([[1, 2, 3]]) }
        #expect(throws: OODError.self) { try detector.scores([[1, 2, 3, 4, .infinity, 6]]) }
    }

    @Test func logitScoresMatchSciPy() throws {
        let f = try Fixture.load()
        let msp = LogitOODScores.maximumSoftmaxProbability(f.logits)
        let e1 = LogitOODScores.energy(f.logits), e2 = LogitOODScores.energy(f.logits, temperature: 2)
        for i in f.logits.indices {
            #expect(abs(msp[i] - f.msp[i]) <= 1e-12)
            #expect(abs(e1[i] - f.energy_t1[i]) <= 1e-12 * max(1, abs(f.energy_t1[i])))
            #expect(abs(e2[i] - f.energy_t2[i]) <= 1e-12 * max(1, abs(f.energy_t2[i])))
        }
        // Stable for huge logits: no overflow, and the energy of one dominant logit is that logit.
        let big = LogitOODScores.energy([[80_000, 0, -80_000]])
        #expect(big[0] == 80_000)
        #expect(LogitOODScores.maximumSoftmaxProbability([[80_000, 0]])[0] == 1)
    }

    @Test func detectionMetricsMatchScikitLearn() throws {
        let f = try Fixture.load()
        let d = try OODDetection(inDistribution: f.in_scores, outOfDistribution: f.out_scores)
        #expect(abs(d.auroc - f.auroc) <= 1e-12)
        #expect(abs(d.auprIn - f.aupr_in) <= 1e-12)
        #expect(abs(d.auprOut - f.aupr_out) <= 1e-12)
        #expect(abs(d.falsePositiveRate - f.fpr_at_95_tpr) <= 1e-12)
        // Perfectly separated scores: AUROC 1 and nothing accepted at 95% TPR; swapped: AUROC 0.
        let perfect = try OODDetection(inDistribution: [3, 4, 5], outOfDistribution: [0, 1, 2])
        #expect(perfect.auroc == 1 && perfect.falsePositiveRate == 0 && perfect.auprIn == 1 && perfect.auprOut == 1)
        let swapped = try OODDetection(inDistribution: [0, 1, 2], outOfDistribution: [3, 4, 5])
        #expect(swapped.auroc == 0 && swapped.falsePositiveRate == 1)
        #expect(throws: OODError.self) { try OODDetection(inDistribution: [], outOfDistribution: [1]) }
        #expect(throws: OODError.self) { try OODDetection(inDistribution: [.nan], outOfDistribution: [1]) }
        #expect(throws: OODError.self) { try OODDetection(inDistribution: [1], outOfDistribution: [0], targetTruePositiveRate: 0) }
    }

    @Test func thresholdAcceptsTheTargetRate() throws {
        let generator = RandomGenerator(seed: 3)
        for n in [1, 7, 100, 1001] {
            let scores = (0..<n).map { _ in generator.nextUniformDouble() }
            for rate in [0.5, 0.9, 0.95, 0.999] {
                let t = try OODThreshold.forTruePositiveRate(rate, score: .energy, validationScores: scores)
                let accepted = t.acceptanceRate(scores)
                #expect(accepted >= rate - 1e-12, "n \(n), rate \(rate): accepted \(accepted)")
                // The highest such threshold: one rank higher would accept too few.
                let above = scores.filter { $0 > t.value }.count
                #expect(Double(above) / Double(n) < rate, "n \(n), rate \(rate): \(above) above")
            }
        }
        #expect(throws: OODError.self) { try OODThreshold.forTruePositiveRate(1.5, score: .msp, validationScores: [1]) }
        #expect(throws: OODError.self) { try OODThreshold.forTruePositiveRate(0.9, score: .msp, validationScores: []) }
    }

    @Test func riskCoverageMatchesTheReference() throws {
        let f = try Fixture.load()
        let curve = try RiskCoverageCurve(confidences: f.confidence, correct: f.correct)
        #expect(abs(curve.area - f.aurc) <= 1e-12, "AURC \(curve.area) vs \(f.aurc)")
        let errorRate = Double(f.correct.filter { !$0 }.count) / Double(f.correct.count)
        #expect(curve.coverage.last == 1 && abs(curve.risk.last! - errorRate) < 1e-12)
        // A useful confidence keeps the most confident half more accurate than the whole.
        #expect(curve.risk(atCoverage: 0.5) < errorRate)
        // Constant confidence: one point, and the area is the error rate.
        let flat = try RiskCoverageCurve(confidences: [Double](repeating: 0.7, count: 4), correct: [true, false, true, true])
        #expect(flat.coverage == [1] && flat.area == 0.25)

        let threshold = OODThreshold(score: .msp, value: 0.5, targetTruePositiveRate: 0.95)
        let s = try SelectivePrediction(threshold: threshold, confidences: [0.9, 0.2, 0.6, 0.4, 0.8], correct: [true, false, false, true, true])
        #expect(s.abstained == [1, 3] && abs(s.coverage - 0.6) < 1e-12 && abs(s.selectiveRisk - 1.0 / 3) < 1e-12 && abs(s.fullRisk - 0.4) < 1e-12)
        #expect(throws: OODError.self) { try RiskCoverageCurve(confidences: [1, 2], correct: [true]) }
    }

    @Test func penultimateFeaturesGiveTheLogits() throws {
        let generator = RandomGenerator(seed: 5)
        let x = Tensor.rand([3, 1, 28, 28], generator: generator)
        let models: [any PenultimateFeatureClassifier] = [CNNClassifier(widths: [4, 8, 16], generator: generator),
                                                          MLPClassifier(hiddenSizes: [32, 16], generator: generator)]
        for model in models {
            let h = model.penultimateFeatures(x)
            #expect(h.shape == [3, model is CNNClassifier ? 16 : 16])
            let direct = model(x).scalars, viaFeatures = model.logits(fromPenultimate: h).scalars
            for (a, b) in zip(direct, viaFeatures) { #expect(a == b) }
        }
    }
}
