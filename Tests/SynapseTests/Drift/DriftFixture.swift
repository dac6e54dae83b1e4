import Foundation
import SynapseCore

/// The reference values of `Fixtures/drift/drift.json`, written once by
/// `scripts/make-drift-fixtures.py` from NumPy and SciPy.
struct DriftFixture: Decodable {
    struct PSICase: Decodable { let name: String; let expected: [Double]; let actual: [Double]; let epsilon: Double; let psi: Double }
    struct KSCase: Decodable { let name: String; let reference: [Double]; let sample: [Double]; let statistic: Double; let asymptoticPValue: Double }
    struct QuantileCase: Decodable { let name: String; let values: [Double]; let bins: Int; let edges: [Double]; let fractions: [Double] }

    let psi: [PSICase]
    let ks: [KSCase]
    let quantileBins: [QuantileCase]

    struct Missing: Error, CustomStringConvertible { let description: String }

    static func load() throws -> DriftFixture {
        guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw Missing(description: "the test bundle has no Fixtures directory")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(DriftFixture.self, from: Data(contentsOf: dir.appendingPathComponent("drift/drift.json")))
    }
}

/// |a − b| ≤ rtol·|b| + atol.
func driftClose(_ a: Double, _ b: Double, rtol: Double = 1e-9, atol: Double = 1e-12) -> Bool {
    abs(a - b) <= atol + rtol * abs(b)
}

/// Seeded draws for the drift tests: normal values by Box–Muller, classes by cumulative weights.
struct DriftSampler {
    let generator: RandomGenerator
    init(seed: UInt64) { generator = RandomGenerator(seed: seed) }

    func uniform() -> Double {
        var g = generator
        return Double.random(in: Double.ulpOfOne..<1, using: &g)
    }
    func normal(mean: Double = 0, std: Double = 1) -> Double {
        mean + std * (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
    }
    func normals(_ n: Int, mean: Double = 0, std: Double = 1) -> [Double] { (0..<n).map { _ in normal(mean: mean, std: std) } }
    func category(_ weights: [Double]) -> Int {
        var u = uniform() * weights.reduce(0, +)
        for (i, w) in weights.enumerated() {
            u -= w
            if u < 0 { return i }
        }
        return weights.count - 1
    }
}
