import Foundation
import Testing
@testable import Synapse
@testable import SynapseEval

/// Post-hoc calibration: temperature, vector and matrix scaling against PyTorch's L-BFGS fits
/// (`scripts/make-calibration-fixtures.py`), the temperature fit's own properties, L-BFGS, and the
/// calibration file (round trip, fingerprint, refusals).
///
/// Tolerances. Both sides minimise the same convex NLL in double precision to tight tolerances, so
/// the optimal NLL agrees to 10⁻⁶ and the temperature to 10⁻⁴ relative (the fixture stores Float32).
/// Vector and matrix scaling are invariant to adding a constant to every bias (softmax is), so their
/// biases are compared centred; matrix weights are not unique either (a constant per column), so
/// matrix scaling is compared by NLL and predictions.
@Suite struct CalibrationTests {
    struct Fixture {
        let logits: [[Float]]
        let labels: [Int]
        let file: SafeTensorsArchive

        init() throws {
            guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { throw Golden.Failure("no Fixtures") }
            file = try SafeTensors.load(from: dir.appendingPathComponent("calibration/calibration.safetensors"))
            let z = try file.tensor("logits")
            logits = (0..<z.shape[0]).map { Array(z.scalars[($0 * z.shape[1])..<(($0 + 1) * z.shape[1])]) }
            labels = try file.intTensor("labels").scalars
        }

        func value(_ name: String) throws -> Double { Double(try file.tensor(name).scalars[0]) }
    }

    @Test func temperatureScalingMatchesPyTorch() throws {
        let f = try Fixture()
        let c = try LogitCalibration.fit(.temperature, logits: f.logits, labels: f.labels)
        let expected = try f.value("temperature")
        #expect(abs(c.temperature - expected) <= 1e-4 * expected, "T = \(c.temperature), PyTorch \(expected)")
        #expect(abs(c.negativeLogLikelihood(logits: f.logits, labels: f.labels) - (try f.value("nll_temperature"))) <= 1e-6)
        let before = LogitCalibration.identity(classCount: 10).negativeLogLikelihood(logits: f.logits, labels: f.labels)
        #expect(abs(before - (try f.value("nll_before"))) <= 1e-5)
        // Predictions never change under temperature scaling.
        let argmax = { (row: [Double]) in row.indices.max { row[$0] < row[$1] }! }
        #expect(zip(c.probabilities(f.logits), f.logits).allSatisfy { argmax($0) == argmax($1.map(Double.init)) })
    }

    @Test func vectorAndMatrixScalingMatchPyTorch() throws {
        let f = try Fixture()
        let vector = try LogitCalibration.fit(.vector, logits: f.logits, labels: f.labels)
        let nll = vector.negativeLogLikelihood(logits: f.logits, labels: f.labels)
        #expect(abs(nll - (try f.value("nll_vector"))) <= 1e-6, "vector NLL \(nll)")
        let scales = try f.file.tensor("vector.weights").scalars.map(Double.init)
        let biases = try f.file.tensor("vector.biases").scalars.map(Double.init)
        for k in 0..<10 { #expect(abs(vector.weights[k] - scales[k]) <= 1e-3, "scale \(k)") }
        let centred = { (b: [Double]) in b.map { $0 - b.reduce(0, +) / Double(b.count) } }
        for (a, b) in zip(centred(vector.biases), centred(biases)) { #expect(abs(a - b) <= 1e-3) }

        let matrix = try LogitCalibration.fit(.matrix, logits: f.logits, labels: f.labels)
        let matrixNLL = matrix.negativeLogLikelihood(logits: f.logits, labels: f.labels)
        #expect(abs(matrixNLL - (try f.value("nll_matrix"))) <= 1e-6, "matrix NLL \(matrixNLL)")
        let temperatureNLL = try f.value("nll_temperature")
        #expect(matrixNLL < nll && nll < temperatureNLL, "more parameters fit the fitting data better")
    }

    @Test func temperatureFitProperties() throws {
        let g = RandomGenerator(seed: 5)
        // Labels drawn from softmax(z): calibrated as they are, so T ≈ 1; the same logits ×3 need T ≈ 3.
        var logits: [[Float]] = [], labels: [Int] = []
        for _ in 0..<20_000 {
            let z = (0..<5).map { _ in 1.5 * g.nextNormal() }
            let p = LogitCalibration.softmax(z.map(Double.init))
            var u = Double(g.nextUniform()), label = 0
            while label < 4 && u > p[label] { u -= p[label]; label += 1 }
            logits.append(z)
            labels.append(label)
        }
        let t = try LogitCalibration.fit(.temperature, logits: logits, labels: labels).temperature
        #expect(abs(t - 1) < 0.03, "T = \(t)")
        let sharp = try LogitCalibration.fit(.temperature, logits: logits.map { $0.map { 3 * $0 } }, labels: labels).temperature
        #expect(abs(sharp - 3 * t) < 1e-6 * sharp, "T scales with the logits: \(sharp) vs \(3 * t)")
        // The range's ends: logits that say nothing, and logits that rank every example right.
        let uninformative = try LogitCalibration.fit(.temperature, logits: [[1, 0], [1, 0]], labels: [0, 1]).temperature
        #expect(uninformative == LogitCalibration.temperatureRange.upperBound)
        let separable = try LogitCalibration.fit(.temperature, logits: [[2, 0], [0, 2]], labels: [0, 1]).temperature
        #expect(separable == LogitCalibration.temperatureRange.lowerBound)
    }

    @Test func badFitInputsAreTypedErrors() {
        let cases: [([[Float]], [Int])] = [([], []), ([[1, 2]], [0, 1]), ([[1, 2], [3]], [0, 0]), ([[1, .nan]], [0]), ([[1, 2]], [2])]
        for (logits, labels) in cases {
            #expect(throws: CalibrationError.self) { try LogitCalibration.fit(.temperature, logits: logits, labels: labels) }
        }
        #expect(throws: CalibrationError.self) { try LogitCalibration(method: .vector, classCount: 3, weights: [1, 1], biases: [0, 0, 0]) }
        #expect(throws: CalibrationError.self) { try LogitCalibration(method: .temperature, classCount: 3, temperature: 0) }
        #expect(throws: CalibrationError.self) { try LogitCalibration(method: .vector, classCount: 2, weights: [1, 1e9], biases: [0, 0]) }
    }

    @Test func lbfgsFindsTheRosenbrockMinimum() {
        let result = LBFGS.minimize(from: [-1.2, 1]) { p in
            let (x, y) = (p[0], p[1])
            return ((1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x), [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])
        }
        #expect(result.converged && abs(result.x[0] - 1) < 1e-6 && abs(result.x[1] - 1) < 1e-6, "\(result)")
    }

    @Test func calibrationFilesRoundTripAndAreTiedToTheirWeights() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("calibration-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let weights = dir.appendingPathComponent("model.safetensors")
        try Data("weights".utf8).write(to: weights)
        #expect(try CalibrationFile.calibration(forWeights: weights, classCount: 10) == nil, "no file, no calibration")
        let f = try Fixture()
        let calibration = try LogitCalibration.fit(.vector, logits: f.logits, labels: f.labels)
        let file = try CalibrationFile(calibration: calibration, weights: weights, fittedOn: "fixture", figures: ["nll": 1.5])
        let url = CalibrationFile.url(forWeights: weights)
        #expect(url.lastPathComponent == "model.calibration.json")
        try file.write(to: url)
        #expect(try CalibrationFile.load(from: url) == file)
        #expect(try CalibrationFile.calibration(forWeights: weights, classCount: 10)?.calibration == calibration)
        #expect(throws: CalibrationError.self) { try CalibrationFile.calibration(forWeights: weights, classCount: 3) }
        try Data("other weights".utf8).write(to: weights)
        do {
            _ = try CalibrationFile.calibration(forWeights: weights, classCount: 10)
            Issue.record("a calibration of other weights was applied")
        } catch {
            #expect(error.description.contains("fitted for other weights"), "\(error)")
        }

        // Hand-edited files: each breaks one rule.
        let good = try #require(try JSONSerialization.jsonObject(with: file.json) as? [String: Any])
        let edits: [(String, Any)] = [("format", "other"), ("format_version", 2), ("method", "platt"), ("classes", 1),
                                      ("classes", true), ("temperature", -1), ("weights", [1, "x"]), ("biases", [0]),
                                      ("weights_crc32c", -5), ("fitted_on", 3), ("figures", ["nll": "x"])]
        for (key, value) in edits {
            var object = good
            object[key] = value
            try JSONSerialization.data(withJSONObject: object).write(to: url)
            #expect(throws: CalibrationError.self, "\(key) = \(value)") { try CalibrationFile.load(from: url) }
        }
        try Data("{not json".utf8).write(to: url)
        #expect(throws: CalibrationError.self) { try CalibrationFile.load(from: url) }
    }
}
