import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore

/// Matrix factorisation and the two-tower model: scores by pair agree with the all-items matrix
/// used for retrieval, gradients reach every table (sparse) and layer (dense) and match finite
/// differences, and state-dict names are the snake_case PyTorch code uses.
@Suite struct RecommenderModelTests {
    static func features(users: Int, items: Int) -> TwoTowerFeatures {
        TwoTowerFeatures(userCategorical: (0..<users).map { [$0 % 3, $0 % 2] }, userCardinalities: [3, 2],
                         itemCategorical: (0..<items).map { [$0 % 4] }, itemCardinalities: [4],
                         itemSets: (0..<items).map { $0 % 2 == 0 ? [0, 2] : [1] }, itemSetSize: 3)
    }

    @Test func matrixFactorisationScoresAgreeWithTheRetrievalMatrix() {
        let mf = MatrixFactorization(userCount: 5, itemCount: 7, factors: 4, globalBias: 3.5, generator: RandomGenerator(seed: 1))
        mf.userBias.weight.value = Init.normal([5, 1], generator: RandomGenerator(seed: 2))
        mf.itemBias.weight.value = Init.normal([7, 1], generator: RandomGenerator(seed: 3))
        let all = mf.scoreAllItems(users: [4, 0])
        let pairs = mf.score(users: IntTensor([4, 4, 0]), items: IntTensor([6, 2, 0]))
        let s = all.scalars
        expectClose(pairs, Tensor(shape: [3], scalars: [s[6], s[2], s[7]]), rtol: 1e-6, atol: 1e-6, "pairs vs matrix")
        #expect(mf.stateDict().keys.sorted() == ["global_bias", "item_bias.weight", "item_factors.weight", "user_bias.weight", "user_factors.weight"])
    }

    @Test func matrixFactorisationGradientsAreSparseAndCorrect() {
        let mf = MatrixFactorization(userCount: 4, itemCount: 6, factors: 3, generator: RandomGenerator(seed: 4))
        mf.score(users: IntTensor([1, 1]), items: IntTensor([2, 5])).sum().backward()
        #expect(mf.userFactors.weight.sparseGrad?.rows == [1])
        #expect(mf.itemFactors.weight.sparseGrad?.rows == [2, 5])
        #expect(mf.globalBias.grad?.scalars == [2])
        // The dot product and biases as a function of dense tables, against finite differences.
        let u = IntTensor([0, 3, 3]), i = IntTensor([1, 1, 4])
        FiniteDifference.check("matrix factorisation", [mf.userFactors.weight.value, mf.itemFactors.weight.value]) { t in
            (embedding(u, weight: t[0]) * embedding(i, weight: t[1])).sum(dim: 1)
        }
    }

    @Test func twoTowerScoresAgreeWithTheRetrievalMatrixAndAreCosines() {
        let model = TwoTowerModel(userCount: 6, itemCount: 8, features: Self.features(users: 6, items: 8), width: 4, hidden: 8, output: 5,
                                  temperature: 0.5, generator: RandomGenerator(seed: 5))
        let all = model.scoreAllItems(users: [2, 5])
        let pairs = withoutGradients { model.score(users: IntTensor([2, 5]), items: IntTensor([7, 0])) }
        expectClose(pairs, Tensor(shape: [2], scalars: [all.scalars[7], all.scalars[8]]), rtol: 1e-5, atol: 1e-6, "pairs vs matrix")
        #expect(all.scalars.allSatisfy { abs($0) <= 1 / 0.5 + 1e-4 }, "cosines divided by the temperature")
        let names = Set(model.stateDict().keys)
        #expect(names.contains("user_tower.ids.weight") && names.contains("item_tower.set_members.weight") && names.contains("item_tower.mlp.0.weight"),
                "\(names.sorted())")
    }

    @Test func twoTowerTrainsItsTablesSparselyAndItsLayersDensely() {
        let model = TwoTowerModel(userCount: 6, itemCount: 8, features: Self.features(users: 6, items: 8), width: 4, hidden: 8, output: 5,
                                  generator: RandomGenerator(seed: 6))
        model.inBatchLoss(users: [0, 1, 2], items: [3, 4, 3], logQ: [-1, -2, -1]).backward()
        #expect(model.userTower.ids.weight.sparseGrad?.rows == [0, 1, 2])
        #expect(model.itemTower.ids.weight.sparseGrad?.rows == [3, 4])
        #expect(model.itemTower.features[0].weight.sparseGrad?.rows == [3, 0])
        #expect(model.itemTower.mlp.parameters().allSatisfy { $0.grad != nil })
        #expect(model.itemTower.setMembers?.weight.grad != nil)
    }

    @Test func oneSparseAdamStepMovesOnlyTheBatchRows() {
        let mf = MatrixFactorization(userCount: 4, itemCount: 6, factors: 3, generator: RandomGenerator(seed: 7))
        let before = mf.itemFactors.weight.value.scalars
        let optimizer = SparseAdam(mf.parameters(), learningRate: 0.1)
        bprLoss(positive: mf.score(users: IntTensor([0]), items: IntTensor([1])), negative: mf.score(users: IntTensor([0]), items: IntTensor([4]))).backward()
        optimizer.step()
        let after = mf.itemFactors.weight.value.scalars
        for row in 0..<6 {
            let moved = (0..<3).contains { after[row * 3 + $0] != before[row * 3 + $0] }
            #expect(moved == [1, 4].contains(row), "row \(row)")
        }
    }
}
