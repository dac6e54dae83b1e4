import Foundation
import Testing
@testable import Synapse

/// Neighbour sampling, the random node split and the link split: what each draws, what it never
/// draws, and that the same seed draws the same.
@Suite struct GraphSamplingTests {
    /// A 10-node graph: a hub 0 joined to 1...6, a path 6-7-8-9 and an edge 1-2.
    static let edges = EdgeIndex.undirected([(0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (0, 6), (6, 7), (7, 8), (8, 9), (1, 2)], nodeCount: 10)

    @Test func takingEveryNeighbourReachesExactlyTheTwoHopNeighbourhood() {
        let sampler = NeighborSampler(edges: Self.edges, fanouts: [-1, -1])
        let sub = sampler.sample(seeds: [7, 1, 7], generator: RandomGenerator(seed: 1))
        #expect(sub.seedCount == 2 && Array(sub.nodes.prefix(2)) == [7, 1])
        // Hop 1: 6, 8 (of 7) and 0, 2 (of 1); hop 2: their neighbours not yet reached.
        #expect(Set(sub.nodes) == [7, 1, 6, 8, 0, 2, 9, 3, 4, 5])
        // Every sampled edge is a graph edge, pointing towards the seeds.
        let real = Set(zip(Self.edges.sources, Self.edges.targets).map { "\($0)-\($1)" })
        for (s, t) in zip(sub.edges.sources, sub.edges.targets) { #expect(real.contains("\(sub.nodes[s])-\(sub.nodes[t])")) }
        // Seeds aggregate all their neighbours.
        #expect(sub.edges.targets.filter { $0 == 0 }.count == 2 && sub.edges.targets.filter { $0 == 1 }.count == 2)
    }

    /// With every neighbour taken, a two-layer GraphSAGE on the subgraph gives the seeds exactly
    /// their outputs on the whole graph (mean aggregation reads only each target's neighbours).
    @Test func sageOnTheFullSubgraphMatchesTheWholeGraph() {
        let x = Tensor.randn([10, 3], generator: RandomGenerator(seed: 2))
        let model = GraphNodeClassifier(kind: .sage, inputSize: 3, hidden: 5, classes: 2, dropout: 0, generator: RandomGenerator(seed: 3))
        model.eval()
        let whole = model(x, edges: Self.edges)
        let sub = NeighborSampler(edges: Self.edges, fanouts: [-1, -1]).sample(seeds: [9, 0, 4], generator: RandomGenerator(seed: 1))
        let local = model(x.indexSelect(dim: 0, index: IntTensor(sub.nodes)), edges: sub.edges)
        expectClose(local.indexSelect(dim: 0, index: IntTensor([0, 1, 2])), whole.indexSelect(dim: 0, index: IntTensor([9, 0, 4])),
                    rtol: 1e-5, atol: 1e-6, "seeds' logits")
    }

    @Test func fanoutsCapEachNodesSampledNeighboursAndTheSeedFixesTheSample() {
        let sampler = NeighborSampler(edges: Self.edges, fanouts: [3, 1])
        let a = sampler.sample(seeds: [0], generator: RandomGenerator(seed: 5))
        // The hub has 6 neighbours: 3 are sampled, distinct; each of those then brings at most 1.
        let hubEdges = a.edges.targets.indices.filter { a.edges.targets[$0] == 0 }
        #expect(hubEdges.count == 3 && Set(hubEdges.map { a.edges.sources[$0] }).count == 3)
        for v in 1..<a.nodes.count where a.edges.targets.contains(v) {
            #expect(a.edges.targets.filter { $0 == v }.count <= 1)
        }
        let b = sampler.sample(seeds: [0], generator: RandomGenerator(seed: 5))
        #expect(a.nodes == b.nodes && a.edges == b.edges)
        let drawn = Set((0..<20).map { sampler.sample(seeds: [0], generator: RandomGenerator(seed: UInt64($0))).nodes[1...3].sorted() })
        #expect(drawn.count > 1, "different seeds draw different neighbours")
    }

    @Test func randomNodeSplitTakesAFixedNumberPerClassAndDisjointRest() throws {
        var graph = NodeClassificationGraph(name: "toy", edges: Self.edges, features: Tensor.ones([10, 1]),
                                            labels: [0, 0, 0, 1, 1, 1, 1, 0, 1, 0], classNames: ["a", "b"],
                                            nodeNames: (0..<10).map(String.init), featureNames: ["f"])
        graph = try graph.randomlySplit(trainPerClass: 2, validation: 3, test: 2, seed: 4)
        #expect(graph.trainNodes.count == 4 && graph.trainNodes.filter { graph.labels[$0] == 0 }.count == 2)
        #expect(graph.validationNodes.count == 3 && graph.testNodes.count == 2)
        #expect(Set(graph.trainNodes + graph.validationNodes + graph.testNodes).count == 9)
        let again = try graph.randomlySplit(trainPerClass: 2, validation: 3, test: 2, seed: 4)
        #expect(again.trainNodes == graph.trainNodes && again.testNodes == graph.testNodes)
        #expect(throws: DataError.self) { try graph.randomlySplit(trainPerClass: 6, validation: 0, test: 1, seed: 0) }
        #expect(throws: DataError.self) { try graph.randomlySplit(trainPerClass: 2, validation: 5, test: 2, seed: 0) }
    }

    @Test func linkSplitHoldsOutEdgesWithNegativesThatAreNeverEdges() throws {
        let pairs = (0..<40).flatMap { a in [(a, (a + 1) % 40), (a, (a + 7) % 40)] }
        let edges = EdgeIndex.undirected(pairs, nodeCount: 40)
        let split = try LinkSplit(edges: edges, validationFraction: 0.1, testFraction: 0.2, seed: 3)
        #expect(split.validation.count == 2 * 8 && split.test.count == 2 * 16 && split.trainingPairs.count == 80 - 8 - 16)
        #expect(split.trainingEdges.count == 2 * split.trainingPairs.count)
        let key = { (a: Int, b: Int) in min(a, b) * 40 + max(a, b) }
        let all = Set(pairs.map(key)), training = Set(split.trainingPairs.map(key))
        for part in [split.validation, split.test] {
            for i in 0..<part.count {
                let k = key(part.sources[i], part.targets[i])
                #expect(part.labels[i] == 1 ? all.contains(k) && !training.contains(k) : !all.contains(k) && part.sources[i] != part.targets[i])
            }
        }
        let heldOut = (0..<split.test.count).map { key(split.test.sources[$0], split.test.targets[$0]) }
            + (0..<split.validation.count).map { key(split.validation.sources[$0], split.validation.targets[$0]) }
        #expect(Set(heldOut).count == heldOut.count, "validation and test pairs are distinct")
        let again = try LinkSplit(edges: edges, validationFraction: 0.1, testFraction: 0.2, seed: 3)
        #expect(again.test.sources == split.test.sources && again.trainingPairs.map(key) == split.trainingPairs.map(key))
        #expect(throws: DataError.self) { try LinkSplit(edges: EdgeIndex.undirected([(0, 1), (1, 2)], nodeCount: 3), seed: 0) }
    }

    @Test func linkPredictorScoresPairsByTheInnerProductOfEmbeddings() {
        let model = GraphLinkPredictor(kind: .gcn, inputSize: 3, hidden: 4, embedding: 2, generator: RandomGenerator(seed: 1))
        let x = Tensor.randn([10, 3], generator: RandomGenerator(seed: 2))
        let z = model.encode(x, edges: Self.edges).scalars
        let logits = model(x, edges: Self.edges, sources: [0, 7], targets: [3, 9]).scalars
        expectClose(Tensor(shape: [2], scalars: logits),
                    Tensor(shape: [2], scalars: [z[0] * z[6] + z[1] * z[7], z[14] * z[18] + z[15] * z[19]]), rtol: 1e-5, atol: 1e-6, "logits")
        #expect(model.stateDict().keys.sorted() == ["conv1.bias", "conv1.lin.weight", "conv2.bias", "conv2.lin.weight"])
    }
}
