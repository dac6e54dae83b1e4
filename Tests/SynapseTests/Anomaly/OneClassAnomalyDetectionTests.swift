import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseEval
@testable import SynapseModels

/// The pieces of one-class anomaly detection: thresholds for a target false-positive rate,
/// imbalanced evaluation (PR-AUC, recall at precision, costs), the PCA baseline, and the
/// autoencoder and VAE scores and losses (closed forms and finite differences).
@Suite struct OneClassAnomalyDetectionTests {
    @Test func thresholdFlagsAtMostTheTargetShareOfNormalScores() throws {
        let scores = (1...100).map(Double.init).shuffled()
        let threshold = try AnomalyThreshold.forFalsePositiveRate(0.05, normalScores: scores)
        #expect(threshold == 95)
        #expect(scores.filter { $0 > threshold }.count == 5)
        #expect(try AnomalyThreshold.forFalsePositiveRate(0, normalScores: scores) == 100)
        #expect(try AnomalyThreshold.forFalsePositiveRate(0.019, normalScores: scores) == 99)   // ⌊1.9⌋ = 1 score above
        #expect(throws: MetricError.self) { try AnomalyThreshold.forFalsePositiveRate(1, normalScores: scores) }
        #expect(throws: MetricError.self) { try AnomalyThreshold.forFalsePositiveRate(0.1, normalScores: []) }
        #expect(throws: MetricError.self) { try AnomalyThreshold.forFalsePositiveRate(0.1, normalScores: [1, .nan]) }
    }

    @Test func evaluationUnderImbalance() throws {
        // 8 normal examples, 2 anomalies; scores rank one anomaly first and one in the middle.
        let scores: [Double] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.45]
        let isAnomaly = [false, false, false, false, false, false, false, false, true, true]
        let e = try AnomalyEvaluation(scores: scores, isAnomaly: isAnomaly, threshold: 0.65, costs: AnomalyCosts(missedAnomaly: 50, falseAlarm: 2))
        #expect(e.examples == 10 && e.anomalies == 2 && e.prevalence == 0.2)
        // Ranked: 0.9 (a), 0.8, 0.7, 0.6, 0.5, 0.45 (a): AP = 0.5·1 + 0.5·(2/6).
        #expect(abs(e.prAUC - (0.5 + 0.5 * 2.0 / 6)) < 1e-12)
        #expect(abs(e.rocAUC - (8.0 + 4.0) / 16) < 1e-12)
        #expect(e.recallAtPrecision[0.9] == 0.5 && e.recallAtPrecision[0.3] == nil)
        #expect(e.recallAtPrecision[0.5] == 0.5)
        // Flagged above 0.65: 0.9 (anomaly), 0.8 and 0.7 (false alarms); 0.45 missed.
        #expect(e.truePositives == 1 && e.falsePositives == 2 && e.falseNegatives == 1)
        #expect(abs(e.precision - 1.0 / 3) < 1e-12 && e.recall == 0.5 && e.falsePositiveRate == 0.25)
        #expect(e.cost == 50 + 2 * 2 && e.costFlaggingNothing == 100 && e.costFlaggingEverything == 16)
        #expect(throws: MetricError.self) { try AnomalyEvaluation(scores: [1, 2], isAnomaly: [false, false], threshold: 0) }
        #expect(throws: MetricError.self) { try AnomalyEvaluation(scores: [1], isAnomaly: [false, true], threshold: 0) }
    }

    @Test func pcaBaselineFindsTheSubspaceOfNormalData() {
        // Normal rows lie near a 2-D plane in 6-D; an off-plane row scores far higher.
        let g = RandomGenerator(seed: 7)
        let basis = Tensor.randn([2, 6], generator: g)
        let normal = matmul(Tensor.randn([400, 2], generator: g), basis) + Tensor.randn([400, 6], generator: g) * 0.01 + 3
        let pca = PCAReconstructionScorer(fitting: normal, componentCount: 2)
        let p = pca.components
        let gram = matmul(p.transposed(), p).scalars
        #expect(abs(gram[0] - 1) < 1e-4 && abs(gram[3] - 1) < 1e-4 && abs(gram[1]) < 1e-4, "orthonormal components: \(gram)")
        let inPlane = pca.scores(matmul(Tensor.randn([5, 2], generator: g), basis) + 3).scalars
        let offPlane = pca.scores(Tensor.randn([5, 6], generator: g) * 2 + 3).scalars
        #expect(inPlane.max()! < 1e-3, "\(inPlane)")
        #expect(offPlane.min()! > 0.1, "\(offPlane)")
    }

    @Test func autoencoderScoresAreMeanSquaredReconstructionErrors() {
        let model = Autoencoder(inputSize: 12, hiddenSizes: [8], latentSize: 3, generator: RandomGenerator(seed: 1))
        let x = Tensor.rand([4, 1, 3, 4], generator: RandomGenerator(seed: 2))
        let reconstruction = model(x).scalars, flat = x.flattened(startDim: 1).scalars
        let scores = model.anomalyScores(x).scalars
        for i in 0..<4 {
            let expected: Double = (0..<12).map { j -> Double in let d = Double(reconstruction[i * 12 + j] - flat[i * 12 + j]); return d * d }.reduce(0, +) / 12
            #expect(abs(Double(scores[i]) - expected) < 1e-6)
        }
        #expect(abs(Double(model.trainingLoss(x).scalars[0]) - Double(mseLoss(model(x), x.flattened(startDim: 1)).scalars[0])) < 1e-6)
        #expect(Set(model.stateDict().keys).isSuperset(of: ["encoder.0.weight", "encoder.2.weight", "decoder.0.weight", "decoder.2.bias"]))
        FiniteDifference.check("Autoencoder score wrt decoder weight", [(model.decoder.layers[2] as! Linear).weight.value]) { t in
            (model.decoder.layers[2] as! Linear).weight.value = t[0]
            return model.anomalyScores(x)
        }
    }

    @Test func vaeScoresReconstructionsAndTrainsOnTheNegativeELBO() {
        let model = VariationalAutoencoder(inputSize: 6, hiddenSizes: [5], latentSize: 2, generator: RandomGenerator(seed: 3))
        model.eval()
        let x = Tensor.rand([3, 6], generator: RandomGenerator(seed: 4))
        let (mu, logVar) = model.encode(x)
        let logits = model.decode(mu).scalars, xs = x.scalars, m = mu.scalars, v = logVar.scalars
        let scores = model.negativeELBO(x).scalars
        // Evaluation mode: the training loss is the negative ELBO at the mean.
        #expect(model.perExampleLoss(x).scalars == scores)
        for i in 0..<3 {
            var bce = 0.0
            for j in 0..<6 {
                let l = Double(logits[i * 6 + j]), y = Double(xs[i * 6 + j])
                bce += max(l, 0) - l * y + log(1 + exp(-abs(l)))
            }
            var kl = 0.0
            for k in 0..<2 { let a = Double(m[i * 2 + k]), b = Double(v[i * 2 + k]); kl += 0.5 * (a * a + exp(b) - b - 1) }
            #expect(abs(Double(scores[i]) - (bce + kl)) < 1e-4, "example \(i): \(scores[i]) vs \(bce + kl)")
        }
        // The anomaly score is the squared error of the reconstruction through the mean (PyOD's).
        let reconstruction = model(x).scalars, anomaly = model.anomalyScores(x).scalars
        for i in 0..<3 {
            let expected: Double = (0..<6).map { j -> Double in let d = Double(reconstruction[i * 6 + j] - xs[i * 6 + j]); return d * d }.reduce(0, +) / 6
            #expect(abs(Double(anomaly[i]) - expected) < 1e-6)
            #expect(abs(Double(reconstruction[i * 6]) - 1 / (1 + exp(-Double(logits[i * 6])))) < 1e-6)
        }
        // Evaluation mode is deterministic; training mode samples z.
        #expect(model.anomalyScores(x).scalars == anomaly)
        model.train()
        #expect(model.perExampleLoss(x).scalars != model.perExampleLoss(x).scalars)
        model.eval()
        #expect(Set(model.stateDict().keys).isSuperset(of: ["mean.weight", "log_variance.weight", "encoder.0.weight", "decoder.2.weight"]))
        FiniteDifference.check("VAE negative ELBO wrt the log-variance head", [model.logVariance.weight.value, model.mean.bias!.value]) { t in
            model.logVariance.weight.value = t[0]
            model.mean.bias!.value = t[1]
            return model.negativeELBO(x)
        }
    }
}
