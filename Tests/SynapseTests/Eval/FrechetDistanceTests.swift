import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseEval
@testable import SynapseIO

/// The Fréchet distance (the FID formula) and its statistics against NumPy and SciPy
/// (`scripts/make-frechet-fixtures.py`, which follows pytorch-fid: `np.cov`, `scipy.linalg.sqrtm` of
/// Σa·Σb, real part taken), plus the symmetric eigensolver it rests on.
///
/// Tolerances. Both sides compute in float64 from the same float32 features, so the means and
/// covariances agree to 10⁻¹² and the full-rank distance within rtol 10⁻⁸ (measured: 4·10⁻¹⁴; the
/// margin covers summation order). The rank-deficient case (10 and 12 rows in 24 dimensions) only
/// within rtol 10⁻⁵: Σa·Σb is singular and defective there, so `sqrtm` is accurate to about √ε (its
/// imaginary rounding noise is 4·10⁻⁷), while the symmetric eigenvalue route here is not (measured:
/// 1.2·10⁻⁸ relative).
@Suite struct FrechetDistanceTests {
    static let archive: SafeTensorsArchive? = {
        guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { return nil }
        return try? SafeTensorsArchive(contentsOf: dir.appendingPathComponent("generative/frechet.safetensors"))
    }()

    static func fixture() throws -> SafeTensorsArchive { try #require(archive, "Fixtures/generative/frechet.safetensors") }

    /// A float32 `[rows, D]` fixture tensor as feature rows.
    static func features(_ name: String) throws -> [[Float]] {
        let tensor = try fixture().tensor(name)
        try #require(tensor.shape.count == 2, "\(name) is rows × D")
        let width = tensor.shape[1], scalars = tensor.scalars
        return stride(from: 0, to: scalars.count, by: width).map { Array(scalars[$0..<($0 + width)]) }
    }

    /// A float64 fixture tensor at full precision (`tensor(_:)` would round it to Float).
    static func doubles(_ name: String) throws -> [Double] {
        let archive = try fixture()
        let entry = try #require(archive.entries[name], "\(name) is in the fixture")
        try #require(entry.dtype == .f64, "\(name) is float64")
        return try archive.withRawBytes(of: name) { raw in
            (0..<(raw.count / 8)).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
        }
    }

    /// |actual − expected| ≤ atol + rtol·|expected|.
    static func agrees(_ actual: Double, _ expected: Double, rtol: Double, atol: Double = 0) -> Bool {
        abs(actual - expected) <= atol + rtol * abs(expected)
    }

    // MARK: Against SciPy

    @Test func fullRankDistanceMatchesSciPy() throws {
        let expected = try Self.doubles("random.distance")[0]
        let distance = try FrechetDistance.distance(try Self.features("random.a"), try Self.features("random.b"))
        #expect(Self.agrees(distance, expected, rtol: 1e-8), "\(distance) vs SciPy \(expected)")
    }

    @Test func rankDeficientDistanceMatchesSciPy() throws {
        let a = try Self.features("rank_deficient.a"), b = try Self.features("rank_deficient.b")
        #expect(a.count < a[0].count && b.count < b[0].count, "fewer rows than dimensions: both covariances are singular")
        let expected = try Self.doubles("rank_deficient.distance")[0]
        let distance = try FrechetDistance.distance(a, b)
        #expect(Self.agrees(distance, expected, rtol: 1e-5), "\(distance) vs SciPy \(expected)")
    }

    @Test func statisticsMatchNumPy() throws {
        for side in ["a", "b"] {
            let statistics = try FeatureStatistics(features: try Self.features("random.\(side)"))
            let mean = try Self.doubles("random.mean_\(side)"), covariance = try Self.doubles("random.cov_\(side)")
            #expect(statistics.dimension == 16 && statistics.count == (side == "a" ? 300 : 250))
            #expect(statistics.mean.count == mean.count && statistics.covariance.count == covariance.count)
            for (x, y) in zip(statistics.mean, mean) { #expect(Self.agrees(x, y, rtol: 1e-12, atol: 1e-12), "mean_\(side): \(x) vs \(y)") }
            for (x, y) in zip(statistics.covariance, covariance) {
                #expect(Self.agrees(x, y, rtol: 1e-12, atol: 1e-12), "cov_\(side): \(x) vs \(y)")
            }
        }
    }

    @Test func storedStatisticsGiveTheSameDistance() throws {
        let a = try FeatureStatistics(mean: try Self.doubles("random.mean_a"), covariance: try Self.doubles("random.cov_a"), count: 300)
        let b = try FeatureStatistics(mean: try Self.doubles("random.mean_b"), covariance: try Self.doubles("random.cov_b"), count: 250)
        let expected = try Self.doubles("random.distance")[0]
        let distance = try FrechetDistance.distance(a, b)
        #expect(Self.agrees(distance, expected, rtol: 1e-8), "\(distance) vs SciPy \(expected)")
    }

    // MARK: Properties

    @Test func identicalSetsAreAtDistanceZero() throws {
        let features = try Self.features("identical.a")
        let statistics = try FeatureStatistics(features: features)
        let trace = (0..<statistics.dimension).reduce(0) { $0 + statistics.covariance[$1 * statistics.dimension + $1] }
        let distance = try FrechetDistance.distance(features, features)
        // 2·Tr Σ − 2·Σ√λ(Σ²) cancels to rounding: a few ulps of the trace, never below 0 (clamped).
        #expect(distance >= 0 && distance <= 1e-9 * trace, "\(distance) (trace \(trace))")
        #expect(abs(try Self.doubles("identical.distance")[0]) <= 1e-9 * trace, "SciPy's value is rounding noise too")
    }

    @Test func symmetricInItsArguments() throws {
        for (name, rtol) in [("random", 1e-10), ("rank_deficient", 1e-6)] {
            let a = try FeatureStatistics(features: try Self.features("\(name).a"))
            let b = try FeatureStatistics(features: try Self.features("\(name).b"))
            let ab = try FrechetDistance.distance(a, b), ba = try FrechetDistance.distance(b, a)
            // Mathematically equal; numerically the eigendecomposition is of Σa one way, Σb the other.
            #expect(Self.agrees(ab, ba, rtol: rtol), "\(name): \(ab) vs \(ba)")
        }
    }

    @Test func aPureMeanShiftGivesTheSquaredMeanDifference() throws {
        // Dyadic values over 8 rows: the shifted rows, both means and the centred rows are exact in
        // Float and Double, so the two covariances are bitwise equal and only the shift remains.
        let a: [[Float]] = [[1, 0.5, -2], [3, 1.25, 0], [-1, 2, 1], [0.5, -1, 3], [2, 0, -1], [-2.5, 1.5, 0.5], [1.5, -0.75, 2], [0, 3, -1.5]]
        let shift: [Float] = [1, -2, 0.5]
        let b = a.map { row in zip(row, shift).map { $0 + $1 } }
        let statisticsA = try FeatureStatistics(features: a), statisticsB = try FeatureStatistics(features: b)
        #expect(statisticsA.covariance == statisticsB.covariance)
        let distance = try FrechetDistance.distance(statisticsA, statisticsB)
        #expect(abs(distance - 5.25) <= 1e-12, "‖Δμ‖² = 1 + 4 + 0.25, got \(distance)")
    }

    @Test func diagonalCovariancesGiveTheClosedForm() throws {
        // Commuting (diagonal) covariances: Tr(Σa Σb)^½ = Σ σa σb, so d² = ‖Δμ‖² + Σ (σa − σb)².
        let a = try FeatureStatistics(mean: [0, 1, 0], covariance: [4, 0, 0, 0, 9, 0, 0, 0, 0.25], count: 10)
        let b = try FeatureStatistics(mean: [1, 1, 2], covariance: [1, 0, 0, 0, 16, 0, 0, 0, 0], count: 10)
        let expected = (1.0 + 0 + 4) + (1.0 + 1 + 0.25)
        #expect(abs(try FrechetDistance.distance(a, b) - expected) <= 1e-12)
        #expect(abs(try FrechetDistance.distance(b, a) - expected) <= 1e-12)
    }

    // MARK: Eigenvalues

    @Test func eigenvaluesOfAKnownMatrix() {
        // The 3 × 3 second-difference matrix: eigenvalues 2 − √2, 2, 2 + √2.
        let matrix: [Double] = [2, 1, 0, 1, 2, 1, 0, 1, 2]
        let eigen = SymmetricEigendecomposition(symmetric: matrix, size: 3)
        let expected = [2 - 2.0.squareRoot(), 2, 2 + 2.0.squareRoot()]
        for (x, y) in zip(eigen.values, expected) { #expect(abs(x - y) <= 1e-14, "\(eigen.values)") }
        for k in 0..<3 {
            for i in 0..<3 {
                let av = (0..<3).reduce(0.0) { $0 + matrix[i * 3 + $1] * eigen.vectors[$1 * 3 + k] }
                #expect(abs(av - eigen.values[k] * eigen.vectors[i * 3 + k]) <= 1e-14, "A·v = λ·v for λ \(eigen.values[k])")
            }
        }
        // A rank-one u·uᵀ: eigenvalues 0, 0, ‖u‖² = 14.
        let u: [Double] = [1, 2, 3]
        let rankOne = SymmetricEigendecomposition(symmetric: (0..<9).map { u[$0 / 3] * u[$0 % 3] }, size: 3, computeVectors: false)
        #expect(rankOne.vectors.isEmpty)
        #expect(abs(rankOne.values[0]) <= 1e-14 && abs(rankOne.values[1]) <= 1e-14 && abs(rankOne.values[2] - 14) <= 1e-13, "\(rankOne.values)")
        // A diagonal matrix needs no rotation; its values come back sorted.
        let diagonal = SymmetricEigendecomposition(symmetric: [3, 0, 0, 0, -1, 0, 0, 0, 2], size: 3)
        #expect(diagonal.sweeps == 0 && diagonal.values == [-1, 2, 3])
    }

    @Test func eigendecompositionReconstructsALargerMatrix() {
        let n = 40
        let matrix = (0..<(n * n)).map { sin(Double($0 / n + 1) * Double($0 % n + 1)) }
        let eigen = SymmetricEigendecomposition(symmetric: matrix, size: n)
        let norm = matrix.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(eigen.sweeps < 64, "converged (\(eigen.sweeps) sweeps)")
        #expect(zip(eigen.values, eigen.values.dropFirst()).allSatisfy { $0 <= $1 }, "ascending")
        var worstReconstruction = 0.0, worstOrthogonality = 0.0
        for i in 0..<n {
            for j in 0..<n {
                var vlv = 0.0, vtv = 0.0
                for k in 0..<n {
                    vlv += eigen.vectors[i * n + k] * eigen.values[k] * eigen.vectors[j * n + k]
                    vtv += eigen.vectors[k * n + i] * eigen.vectors[k * n + j]
                }
                worstReconstruction = max(worstReconstruction, abs(vlv - matrix[i * n + j]))
                worstOrthogonality = max(worstOrthogonality, abs(vtv - (i == j ? 1 : 0)))
            }
        }
        #expect(worstReconstruction <= 1e-12 * norm, "‖V Λ Vᵀ − A‖_max \(worstReconstruction)")
        #expect(worstOrthogonality <= 1e-12, "‖Vᵀ V − I‖_max \(worstOrthogonality)")
        let valuesOnly = SymmetricEigendecomposition(symmetric: matrix, size: n, computeVectors: false)
        #expect(valuesOnly.values == eigen.values, "the rotations do not depend on accumulating them")
    }

    // MARK: Errors

    @Test func invalidInputsThrowTypedErrors() {
        let good: [[Float]] = [[1, 2], [3, 5], [0, 1]]
        #expect(throws: FrechetDistanceError.tooFewSamples(count: 1)) { try FeatureStatistics(features: [[1, 2]]) }
        #expect(throws: FrechetDistanceError.tooFewSamples(count: 0)) { try FrechetDistance.distance([], good) }
        #expect(throws: FrechetDistanceError.emptyFeatures) { try FeatureStatistics(features: [[], []]) }
        #expect(throws: FrechetDistanceError.raggedRows(row: 2, width: 3, expected: 2)) {
            try FeatureStatistics(features: [[1, 2], [3, 4], [5, 6, 7]])
        }
        #expect(throws: FrechetDistanceError.nonFinite(row: 1, column: 0)) { try FrechetDistance.distance(good, [[1, 2], [.nan, 4]]) }
        #expect(throws: FrechetDistanceError.nonFinite(row: 0, column: 1)) { try FeatureStatistics(features: [[1, .infinity], [3, 4]]) }
        #expect(throws: FrechetDistanceError.dimensionMismatch(2, 3)) { try FrechetDistance.distance(good, [[1, 2, 3], [4, 5, 7]]) }
        #expect(throws: FrechetDistanceError.self) { try FeatureStatistics(mean: [0, 0], covariance: [1, 0, 0], count: 5) }
        #expect(throws: FrechetDistanceError.self) { try FeatureStatistics(mean: [0, .nan], covariance: [1, 0, 0, 1], count: 5) }
        #expect(throws: FrechetDistanceError.tooFewSamples(count: 1)) { try FeatureStatistics(mean: [0], covariance: [1], count: 1) }
        #expect(FrechetDistanceError.dimensionMismatch(2, 3).description.contains("2 and 3"))
        #expect(FrechetDistanceError.nonFinite(row: 1, column: 0).description.contains("row 1, column 0"))
    }
}
