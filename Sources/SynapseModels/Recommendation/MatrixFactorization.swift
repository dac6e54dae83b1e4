import SynapseCore
import SynapseNN

/// Matrix factorisation with biases (Koren, Bell & Volinsky 2009):
/// score(u, i) = pᵤ·qᵢ + bᵤ + bᵢ + μ. Trained on explicit ratings with mean squared error it
/// predicts ratings; trained on implicit feedback with `bprLoss` or `sampledSoftmaxLoss` it ranks.
///
/// The four tables are `Embedding(sparse: true)` by default, so a step with `SparseAdam` touches
/// only the batch's users and items. Names: `user_factors.weight`, `item_factors.weight`,
/// `user_bias.weight`, `item_bias.weight`, `global_bias`.
public final class MatrixFactorization: Module, Recommender {
    /// pᵤ, [userCount, factors].
    public let userFactors: Embedding
    /// qᵢ, [itemCount, factors].
    public let itemFactors: Embedding
    /// bᵤ, [userCount, 1], starting at 0.
    public let userBias: Embedding
    /// bᵢ, [itemCount, 1], starting at 0.
    public let itemBias: Embedding
    /// μ, [1]: for ratings, start it at the training mean.
    public let globalBias: Parameter
    /// Width of the factors.
    public let factors: Int

    /// A model for `userCount` users and `itemCount` items with `factors`-wide factors drawn
    /// N(0, `initStd`²); biases start at 0 and μ at `globalBias`.
    public init(userCount: Int, itemCount: Int, factors: Int = 64, initStd: Float = 0.1, globalBias: Float = 0,
                sparse: Bool = true, generator: RandomGenerator = .global) {
        require(userCount > 0 && itemCount > 0 && factors > 0,
                "MatrixFactorization: userCount, itemCount and factors must be positive, got \(userCount), \(itemCount), \(factors)")
        userFactors = recommenderTable(userCount, factors, std: initStd, sparse: sparse, generator: generator)
        itemFactors = recommenderTable(itemCount, factors, std: initStd, sparse: sparse, generator: generator)
        userBias = recommenderTable(userCount, 1, std: 0, sparse: sparse, generator: generator)
        itemBias = recommenderTable(itemCount, 1, std: 0, sparse: sparse, generator: generator)
        self.globalBias = Parameter(Tensor(shape: [1], scalars: [globalBias]))
        self.factors = factors
        super.init()
    }

    /// snake_case state-dict names, as PyTorch recommender code names them.
    public override func stateDictName(forProperty name: String) -> String {
        snakeCaseStateName(name)
    }

    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String { "users: \(userCount), items: \(itemCount), factors: \(factors)" }

    /// Number of users.
    public var userCount: Int { userFactors.numEmbeddings }
    /// Number of items.
    public var itemCount: Int { itemFactors.numEmbeddings }

    /// pᵤ·qᵢ + bᵤ + bᵢ + μ for each pair, [N].
    public func score(users: IntTensor, items: IntTensor) -> Tensor {
        require(users.shape == items.shape && users.rank == 1,
                "MatrixFactorization.score: users and items must both be [N], got \(users.shape) and \(items.shape)")
        checkIndices(users.scalars, count: userCount, kind: "user", "MatrixFactorization")
        checkIndices(items.scalars, count: itemCount, kind: "item", "MatrixFactorization")
        let dot = (userFactors(users) * itemFactors(items)).sum(dim: 1)
        return dot + userBias(users).reshaped([-1]) + itemBias(items).reshaped([-1]) + globalBias.value
    }

    /// Every item's score for each user, [users.count, itemCount].
    public func scoreAllItems(users: [Int]) -> Tensor {
        checkIndices(users, count: userCount, kind: "user", "MatrixFactorization")
        let u = IntTensor(users)
        let rows = embedding(u, weight: userFactors.weight.value.detached())
        let itemTerms = itemFactors.weight.value.detached().transposed(0, 1)
        let biases = itemBias.weight.value.detached().reshaped([1, itemCount])
        let userTerms = embedding(u, weight: userBias.weight.value.detached()) + globalBias.value.detached()
        return rows.matmul(itemTerms) + biases + userTerms
    }
}
