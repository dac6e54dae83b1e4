import Foundation

extension LogitCalibration {
    /// The temperature range a fit may return: a model whose logits carry no information about the
    /// labels drives the optimum to T → ∞, one that ranks every validation example right to T → 0.
    public static let temperatureRange = 1e-3...1e3

    /// Fits `method` to held-out `logits` (rows of C) and `labels` by minimising the mean negative
    /// log-likelihood: temperature scaling by a bracketed, safeguarded Newton search on 1/T (the NLL
    /// is convex in 1/T, so the minimum is unique; clamped to `temperatureRange`), vector and matrix
    /// scaling by L-BFGS from the identity (both convex problems) with exact gradients.
    /// - Throws: `CalibrationError.invalidData` for empty or ragged logits, non-finite logits or
    ///   labels outside the classes.
    public static func fit(_ method: LogitCalibrationMethod, logits: [[Float]], labels: [Int]) throws(CalibrationError) -> LogitCalibration {
        guard !logits.isEmpty, logits.count == labels.count else {
            throw .invalidData("\(logits.count) logits rows for \(labels.count) labels; a fit needs at least one of each, as many of both")
        }
        let c = logits[0].count
        guard c >= 2, logits.allSatisfy({ $0.count == c }) else { throw .invalidData("every logits row needs the same number (≥ 2) of classes") }
        guard logits.allSatisfy({ $0.allSatisfy(\.isFinite) }) else { throw .invalidData("logits must be finite") }
        if let bad = labels.first(where: { !(0..<c).contains($0) }) { throw .invalidData("label \(bad) is outside the \(c) classes") }
        let z = logits.map { $0.map(Double.init) }
        switch method {
        case .temperature:
            return try LogitCalibration(method: .temperature, classCount: c, temperature: fitTemperature(z, labels))
        case .vector:
            let start = [Double](repeating: 1, count: c) + [Double](repeating: 0, count: c)
            let result = LBFGS.minimize(from: start) { p in vectorObjective(p, z, labels, c) }
            return try LogitCalibration(method: .vector, classCount: c, weights: Array(result.x[0..<c]), biases: Array(result.x[c...]))
        case .matrix:
            var start = [Double](repeating: 0, count: c * c + c)
            for i in 0..<c { start[i * c + i] = 1 }
            let result = LBFGS.minimize(from: start) { p in matrixObjective(p, z, labels, c) }
            return try LogitCalibration(method: .matrix, classCount: c, weights: Array(result.x[0..<(c * c)]),
                                        biases: Array(result.x[(c * c)...]))
        }
    }

    /// The NLL-minimising temperature. With β = 1/T, NLL(β) = mean[logsumexp(βz) − βz_y] has
    /// NLL′(β) = mean[E_p(z) − z_y] and NLL″(β) = mean[Var_p(z)] ≥ 0: a bracket [lo, hi] with
    /// NLL′(lo) < 0 < NLL′(hi) holds the minimum, and Newton steps that leave it become bisections.
    static func fitTemperature(_ z: [[Double]], _ labels: [Int]) -> Double {
        func derivatives(_ beta: Double) -> (first: Double, second: Double) {
            var d1 = 0.0, d2 = 0.0
            for (row, label) in zip(z, labels) {
                let top = row.max()!
                var total = 0.0, mean = 0.0, square = 0.0
                for v in row {
                    let e = Foundation.exp(beta * (v - top))
                    total += e
                    mean += e * v
                    square += e * v * v
                }
                mean /= total
                d1 += mean - row[label]
                d2 += square / total - mean * mean
            }
            return (d1 / Double(z.count), d2 / Double(z.count))
        }
        let (betaMin, betaMax) = (1 / temperatureRange.upperBound, 1 / temperatureRange.lowerBound)
        if derivatives(betaMin).first >= 0 { return temperatureRange.upperBound }
        if derivatives(betaMax).first <= 0 { return temperatureRange.lowerBound }
        var lo = betaMin, hi = betaMax, beta = 1.0
        for _ in 0..<200 {
            let (d1, d2) = derivatives(beta)
            if d1 < 0 { lo = beta } else { hi = beta }
            if d1 == 0 || hi - lo <= 1e-13 * beta { break }
            let newton = d2 > 0 ? beta - d1 / d2 : .nan
            beta = newton > lo && newton < hi ? newton : (lo + hi) / 2
        }
        return 1 / beta
    }

    /// Mean NLL and gradient of vector scaling, parameters [w₀…w_{C−1}, b₀…b_{C−1}].
    static func vectorObjective(_ p: [Double], _ z: [[Double]], _ labels: [Int], _ c: Int) -> (value: Double, gradient: [Double]) {
        var value = 0.0
        var gradient = [Double](repeating: 0, count: 2 * c)
        var logits = [Double](repeating: 0, count: c)
        for (row, label) in zip(z, labels) {
            for k in 0..<c { logits[k] = p[k] * row[k] + p[c + k] }
            let (loss, residual) = crossEntropyResidual(logits, label)
            value += loss
            for k in 0..<c {
                gradient[k] += residual[k] * row[k]
                gradient[c + k] += residual[k]
            }
        }
        let n = Double(z.count)
        return (value / n, gradient.map { $0 / n })
    }

    /// Mean NLL and gradient of matrix scaling, parameters [W row-major (C × C), b (C)].
    static func matrixObjective(_ p: [Double], _ z: [[Double]], _ labels: [Int], _ c: Int) -> (value: Double, gradient: [Double]) {
        var value = 0.0
        var gradient = [Double](repeating: 0, count: c * c + c)
        var logits = [Double](repeating: 0, count: c)
        for (row, label) in zip(z, labels) {
            for r in 0..<c {
                var v = p[c * c + r]
                for k in 0..<c { v += p[r * c + k] * row[k] }
                logits[r] = v
            }
            let (loss, residual) = crossEntropyResidual(logits, label)
            value += loss
            for r in 0..<c {
                for k in 0..<c { gradient[r * c + k] += residual[r] * row[k] }
                gradient[c * c + r] += residual[r]
            }
        }
        let n = Double(z.count)
        return (value / n, gradient.map { $0 / n })
    }

    /// Cross-entropy of one row (log-sum-exp, exact for any finite logits) and its gradient with
    /// respect to the logits (softmax − one-hot).
    static func crossEntropyResidual(_ logits: [Double], _ label: Int) -> (loss: Double, residual: [Double]) {
        let top = logits.max() ?? 0
        var p = logits.map { Foundation.exp($0 - top) }
        let total = p.reduce(0, +)
        for k in p.indices { p[k] /= total }
        p[label] -= 1
        return (Foundation.log(total) + top - logits[label], p)
    }
}
