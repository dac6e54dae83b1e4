import Foundation
import Testing
@testable import Synapse

extension RealDataSuite {
    /// Cora from the graphdatascience wheel (scripts/prepare-graphs.sh): PyG's counts, normalised
    /// bag-of-words rows, and the fixed random split in Planetoid's proportions.
    @Suite struct CoraTests {
        @Test(.enabled(if: CoraCitations.isInstalled, "needs Cora (scripts/prepare-graphs.sh)"))
        func loadsPyGsGraphWithTheStandardSplitSizes() throws {
            let cora = try CoraCitations.load()
            #expect(cora.nodeCount == 2708 && cora.edges.count == 10_556 && cora.features.shape == [2708, 1433])
            #expect(cora.classNames == ["Case_Based", "Genetic_Algorithms", "Neural_Networks", "Probabilistic_Methods",
                                        "Reinforcement_Learning", "Rule_Learning", "Theory"])
            // Class sizes of Cora (818 neural-network papers, the largest; 180 on rule learning, the smallest).
            let sizes = cora.classNames.indices.map { c in cora.labels.filter { $0 == c }.count }
            #expect(sizes == [298, 418, 818, 426, 217, 180, 351], "\(sizes)")
            let x = cora.features.scalars
            for row in [0, 1000, 2707] {
                let sum = x[row * 1433..<(row + 1) * 1433].reduce(0, +)
                #expect(abs(sum - 1) < 1e-5, "row \(row) sums to \(sum)")
            }
            #expect(cora.trainNodes.count == 140 && cora.validationNodes.count == 500 && cora.testNodes.count == 1000)
            for c in cora.classNames.indices { #expect(cora.trainNodes.filter { cora.labels[$0] == c }.count == 20) }
            #expect(Set(cora.trainNodes + cora.validationNodes + cora.testNodes).count == 1640)
            #expect(try CoraCitations.load().testNodes == cora.testNodes, "the split is fixed")
            // No self-loops, and every edge both ways.
            #expect(zip(cora.edges.sources, cora.edges.targets).allSatisfy { $0 != $1 })
        }
    }
}
