import Foundation
import SynapseCore
import SynapseData
import SynapseEval
import SynapseIO
import SynapseModels
import SynapseNN

/// Out-of-distribution detection and selective prediction for an image classifier, by the
/// literature's protocol: the maximum softmax probability, energy and Mahalanobis scores (class
/// means and shared covariance of the penultimate features fitted on the training part of the
/// training split); thresholds chosen on the validation split — the last 10% of the training split,
/// fixed — for a target true-positive rate; AUROC, AUPR and FPR at 95% TPR with the test split as
/// in-distribution and MNIST (or Fashion-MNIST), noise and flipped images as out-of-distribution; a
/// risk-coverage curve per score and an escalate list of the test examples the rule abstains on.
public struct OODJob {
    /// The run's options.
    public let options: OODOptions
    /// Progress lines.
    public let log: (String) -> Void

    /// A job for `options`, reporting progress to `log`.
    public init(options: OODOptions, log: @escaping (String) -> Void = { print($0) }) {
        self.options = options
        self.log = log
    }

    /// Runs the evaluation and writes the report and the escalate list.
    /// - Throws: `PipelineError`/`PredictionError` (weights), `DataError` (datasets), `OODError`
    ///   (options or degenerate scores), `ReportError`.
    public func run() throws -> OODResult {
        let o = options
        guard o.targetTruePositiveRate > 0, o.targetTruePositiveRate < 1 else {
            throw OODError.invalidParameters("the target true-positive rate must be in (0, 1), got \(o.targetTruePositiveRate)")
        }
        guard o.energyTemperature > 0, o.energyTemperature.isFinite else {
            throw OODError.invalidParameters("the energy temperature must be positive, got \(o.energyTemperature)")
        }
        let format = try ReportFormat(path: o.reportURL.path)
        let predictor = try PostHocModel.imageClassifier(weights: o.weights, dataset: o.dataset, modelName: o.modelName,
                                                         batchSize: o.batchSize, command: "ood")
        let (dataset, heldOut) = try PostHocModel.resolvedDataset(weights: o.weights, option: o.dataset, command: "ood")
        let primary = o.oodDataset ?? OODDatasetChoice.partner(of: dataset)
        var oodSets = [primary]
        for extra in o.extraOODDatasets where !oodSets.contains(extra) { oodSets.append(extra) }
        if let same = oodSets.first(where: { $0.imageDataset == dataset }) {
            throw OODError.invalidParameters("\(same.rawValue) is the in-distribution dataset; choose another out-of-distribution set")
        }
        let (train, test) = try dataset.load()
        let fitPart = dataset.trainingPart(of: train), validation = dataset.validationSplit(of: train)
        log("synapse ood: \(predictor.modelDescription); in-distribution \(dataset.rawValue) (Mahalanobis fit on \(fitPart.count) training "
            + "images, thresholds on the \(validation.count)-image validation split, test split \(test.count)); out-of-distribution "
            + oodSets.map(\.rawValue).joined(separator: ", "))
        if !heldOut {
            log("warning: the weights record no held-out validation split (train with --hold-out-validation): the model was trained "
                + "on the validation images, so thresholds chosen there accept slightly fewer new in-distribution inputs than targeted")
        }

        let classifier = predictor.model as? any PenultimateFeatureClassifier
        let extractor = FeatureExtractor(model: predictor.model, batchSize: o.batchSize)
        let classCount = predictor.classNames.count
        var detector: MahalanobisDetector?
        var unavailable: String?
        if classifier != nil {
            let fit = extractor.run(fitPart.features)
            detector = try MahalanobisDetector.fit(features: fit.penultimate!, labels: fitPart.labels.scalars, classCount: classCount)
        } else {
            unavailable = "the model (\(predictor.modelDescription)) does not expose penultimate features"
            log("note: no Mahalanobis score: \(unavailable!)")
        }
        let scoreKinds = OODScore.allCases.filter { $0 != .mahalanobis || detector != nil }
        func scores(_ images: Tensor) throws -> (scores: [OODScore: [Double]], logits: [[Float]]) {
            let out = extractor.run(images)
            guard out.logits.first?.count == classCount else {
                throw PredictionError.unsupportedModel(path: o.weights.path, reason: "its outputs have \(out.logits.first?.count ?? 0) values "
                                                       + "per image; expected \(classCount) class logits")
            }
            var s: [OODScore: [Double]] = [.msp: LogitOODScores.maximumSoftmaxProbability(out.logits),
                                           .energy: LogitOODScores.energy(out.logits, temperature: o.energyTemperature)]
            if let detector, let features = out.penultimate { s[.mahalanobis] = try detector.scores(features) }
            for (kind, values) in s where !values.allSatisfy(\.isFinite) {
                throw OODError.invalidData("the \(kind.rawValue) scores are not finite: the model's outputs overflow or are NaN")
            }
            return (s, out.logits)
        }
        let validationScores = try scores(validation.features).scores
        let (testScores, testLogits) = try scores(test.features)
        var thresholds: [OODScore: OODThreshold] = [:], testAcceptance: [OODScore: Double] = [:]
        for kind in scoreKinds {
            let t = try OODThreshold.forTruePositiveRate(o.targetTruePositiveRate, score: kind, validationScores: validationScores[kind]!)
            thresholds[kind] = t
            testAcceptance[kind] = t.acceptanceRate(testScores[kind]!)
        }
        var sets: [OODSetResult] = []
        for set in oodSets {
            let images = try set.images(inDistributionTest: test.features, seed: o.seed)
            let s = try scores(images).scores
            var detection: [OODScore: OODDetection] = [:], accepted: [OODScore: Double] = [:]
            for kind in scoreKinds {
                detection[kind] = try OODDetection(inDistribution: testScores[kind]!, outOfDistribution: s[kind]!,
                                                   targetTruePositiveRate: o.targetTruePositiveRate)
                accepted[kind] = thresholds[kind]!.acceptanceRate(s[kind]!)
            }
            sets.append(OODSetResult(dataset: set, count: images.shape[0], detection: detection, acceptedAtThreshold: accepted))
            let auroc = scoreKinds.map { "\($0.rawValue) \(String(format: "%.4f", detection[$0]!.auroc))" }.joined(separator: ", ")
            log("\(set.rawValue): AUROC \(auroc)")
        }

        // Selective prediction on the test split.
        let labels = test.labels.scalars
        let predicted = testLogits.map { row in row.indices.max { row[$0] < row[$1] } ?? 0 }
        let correct = zip(predicted, labels).map { $0 == $1 }
        var riskCoverage: [OODScore: RiskCoverageCurve] = [:]
        for kind in scoreKinds { riskCoverage[kind] = try RiskCoverageCurve(confidences: testScores[kind]!, correct: correct) }
        let abstainScore = scoreKinds.contains(o.abstainScore) ? o.abstainScore : .msp
        let confidences = testScores[abstainScore]!
        var rule = thresholds[abstainScore]!
        if let fixed = o.abstainThreshold {
            guard fixed.isFinite else { throw OODError.invalidParameters("the abstention threshold must be finite, got \(fixed)") }
            let validationRate = OODThreshold(score: abstainScore, value: fixed, targetTruePositiveRate: 1).acceptanceRate(validationScores[abstainScore]!)
            rule = OODThreshold(score: abstainScore, value: fixed, targetTruePositiveRate: validationRate)
        }
        let selective = try SelectivePrediction(threshold: rule, confidences: confidences, correct: correct)
        let escalated = selective.abstained.map { EscalatedExample(index: $0, label: labels[$0], predicted: predicted[$0], score: confidences[$0]) }
        try writeEscalateList(escalated, classNames: predictor.classNames, score: abstainScore)

        let result = OODResult(dataset: dataset, scores: scoreKinds, mahalanobisUnavailable: unavailable, validationHeldOut: heldOut,
                               thresholds: thresholds, testAcceptance: testAcceptance, sets: sets,
                               testAccuracy: Double(correct.filter { $0 }.count) / Double(max(correct.count, 1)),
                               riskCoverage: riskCoverage, selective: selective, escalated: escalated, reportURL: o.reportURL,
                               escalateListURL: o.escalateListURL)
        let page = OODReportPage(result: result, weights: o.weights, modelDescription: predictor.modelDescription,
                                 classNames: predictor.classNames, energyTemperature: o.energyTemperature)
        do { try AtomicFile.write(Data(format.render(page.document, title: page.title).utf8), to: o.reportURL) } catch {
            throw ReportError.writeFailed(path: o.reportURL.path, reason: "\(error)")
        }
        return result
    }

    /// Writes every abstained test example as CSV: index, true class, predicted class, score.
    private func writeEscalateList(_ examples: [EscalatedExample], classNames: [String], score: OODScore) throws {
        func name(_ k: Int) -> String { k < classNames.count ? classNames[k] : String(k) }
        func quoted(_ s: String) -> String { s.contains(where: { $0 == "," || $0 == "\"" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
        var csv = "index,true_class,predicted_class,\(score.rawValue)_score\n"
        for e in examples { csv += "\(e.index),\(quoted(name(e.label))),\(quoted(name(e.predicted))),\(e.score)\n" }
        let url = options.escalateListURL
        do { try AtomicFile.write(Data(csv.utf8), to: url) } catch {
            throw ReportError.writeFailed(path: url.path, reason: "\(error)")
        }
    }
}

/// Runs a classifier in evaluation mode without gradients, in batches, returning the logits and,
/// for a `PenultimateFeatureClassifier`, the penultimate features of the same forward pass.
struct FeatureExtractor {
    let model: any Layer
    let batchSize: Int

    func run(_ images: Tensor) -> (logits: [[Float]], penultimate: [[Float]]?) {
        guard let classifier = model as? any PenultimateFeatureClassifier else {
            return (batchedOutputs(model, features: images, batchSize: batchSize), nil)
        }
        classifier.eval()
        var logits: [[Float]] = [], features: [[Float]] = []
        let n = images.shape[0]
        func rows(_ t: Tensor, _ count: Int) -> [[Float]] {
            let scalars = t.contiguous().scalars, width = scalars.count / max(count, 1)
            return (0..<count).map { Array(scalars[($0 * width)..<(($0 + 1) * width)]) }
        }
        withoutGradients {
            var start = 0
            while start < n {
                let end = min(start + batchSize, n)
                let h = classifier.penultimateFeatures(images.slice(dim: 0, start: start, end: end))
                features += rows(h, end - start)
                logits += rows(classifier.logits(fromPenultimate: h), end - start)
                start = end
            }
        }
        return (logits, features)
    }
}
