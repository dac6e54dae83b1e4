import Foundation
import Testing
@testable import SynapseEval

/// PSI, KS and the quantile bins against NumPy/SciPy reference values.
@Suite struct DriftStatisticsTests {
    @Test func populationStabilityMatchesNumPy() throws {
        let fixture = try DriftFixture.load()
        #expect(fixture.psi.count >= 5)
        for c in fixture.psi {
            let psi = PopulationStability.index(expected: c.expected, actual: c.actual, epsilon: c.epsilon)
            #expect(driftClose(psi, c.psi), "\(c.name): \(psi) vs NumPy \(c.psi)")
        }
    }

    @Test func populationStabilityIsSymmetricAndZeroOnIdenticalBins() {
        let e = [0.2, 0.3, 0.5], a = [0.4, 0.4, 0.2]
        #expect(PopulationStability.index(expected: e, actual: e) == 0)
        #expect(driftClose(PopulationStability.index(expected: e, actual: a), PopulationStability.index(expected: a, actual: e)))
    }

    @Test func kolmogorovSmirnovMatchesSciPyWithTies() throws {
        let fixture = try DriftFixture.load()
        #expect(fixture.ks.contains { $0.name.hasPrefix("ties") })
        for c in fixture.ks {
            let d = KolmogorovSmirnov.statistic(reference: c.reference, sample: c.sample)
            #expect(driftClose(d, c.statistic), "\(c.name): D \(d) vs SciPy \(c.statistic)")
            let p = KolmogorovSmirnov.asymptoticPValue(statistic: d, referenceCount: c.reference.count, sampleCount: c.sample.count)
            #expect(driftClose(p, c.asymptoticPValue), "\(c.name): p \(p) vs SciPy \(c.asymptoticPValue)")
        }
    }

    @Test func kolmogorovSmirnovSortsAnUnsortedReferenceAndIgnoresNaN() {
        let d = KolmogorovSmirnov.statistic(reference: [3, 1, 2], sample: [1, .nan, 2, 3])
        #expect(d == 0)
        #expect(KolmogorovSmirnov.statistic(reference: [0, 1], sample: [5, 6]) == 1)
        #expect(KolmogorovSmirnov.statistic(reference: [], sample: [1]) == 0)
    }

    @Test func quantileBinsMatchNumPy() throws {
        let fixture = try DriftFixture.load()
        for c in fixture.quantileBins {
            let feature = try FeatureProfile(name: c.name, values: c.values, bins: c.bins, referenceSize: 10,
                                             generator: .init(seed: 1))
            #expect(feature.binEdges.count == c.edges.count, "\(c.name): edges \(feature.binEdges) vs NumPy \(c.edges)")
            for (edge, expected) in zip(feature.binEdges, c.edges) {
                #expect(driftClose(edge, expected), "\(c.name): edge \(edge) vs NumPy \(expected)")
            }
            #expect(feature.binFractions.count == c.fractions.count)
            for (fraction, expected) in zip(feature.binFractions, c.fractions) {
                #expect(driftClose(fraction, expected), "\(c.name): fraction \(fraction) vs NumPy \(expected)")
            }
        }
    }
}
