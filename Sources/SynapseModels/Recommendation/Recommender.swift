import SynapseCore
import SynapseNN

/// A model that scores user–item pairs: higher means the user is more likely to choose (or rate
/// highly) the item. Users and items are dense indices, 0..<userCount and 0..<itemCount.
public protocol Recommender: Module {
    /// Number of users the model knows.
    var userCount: Int { get }
    /// Number of items the model knows.
    var itemCount: Int { get }
    /// The scores of the pairs (users[k], items[k]), [N]; differentiable.
    func score(users: IntTensor, items: IntTensor) -> Tensor
    /// Every item's score for each of `users`, [users.count, itemCount], for ranking (top-K
    /// retrieval); computed as one matrix product, without the per-pair path.
    func scoreAllItems(users: [Int]) -> Tensor
}

extension Recommender {
    /// Checks indices against the table sizes, naming `model` and the first bad index.
    func checkIndices(_ indices: [Int], count: Int, kind: String, _ model: String) {
        if let bad = indices.first(where: { $0 < 0 || $0 >= count }) {
            requireFailure("\(model): \(kind) index \(bad) is out of range for \(count) \(kind)s (valid: 0..<\(count))")
        }
    }
}

/// An embedding table initialised N(0, std²) — recommenders start near zero, unlike
/// `nn.Embedding`'s N(0, 1), so that early dot products do not swamp the biases.
func recommenderTable(_ rows: Int, _ width: Int, std: Float, sparse: Bool, generator: RandomGenerator) -> Embedding {
    let table = Embedding(rows, width, sparse: sparse, generator: generator)
    table.weight.value = Init.normal([rows, width], std: std, generator: generator)
    return table
}

/// `userFactors` → `user_factors`: the recommenders' state-dict names, as PyTorch code spells them.
func snakeCaseStateName(_ name: String) -> String {
    name.reduce(into: "") { out, c in c.isUppercase ? out += "_" + c.lowercased() : out.append(c) }
}
