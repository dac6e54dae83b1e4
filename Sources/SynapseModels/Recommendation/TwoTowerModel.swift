import SynapseCore
import SynapseNN

/// The side information of a two-tower model: categorical features of users and items (each a
/// small index, e.g. age group, occupation, release decade) and an optional multi-hot set per item
/// (e.g. genres). Stored in the model's buffers, so saved weights are self-contained.
public struct TwoTowerFeatures: Sendable {
    /// Per user, one index per categorical feature ([userCount][userCardinalities.count]).
    public var userCategorical: [[Int]]
    /// Number of values of each user feature.
    public var userCardinalities: [Int]
    /// Per item, one index per categorical feature.
    public var itemCategorical: [[Int]]
    /// Number of values of each item feature.
    public var itemCardinalities: [Int]
    /// Per item, the members of its set (e.g. genre indices), each below `itemSetSize`.
    public var itemSets: [[Int]]
    /// Size of the item-set vocabulary (0: none).
    public var itemSetSize: Int

    /// Features as given; `TwoTowerModel` checks them.
    public init(userCategorical: [[Int]], userCardinalities: [Int], itemCategorical: [[Int]], itemCardinalities: [Int],
                itemSets: [[Int]] = [], itemSetSize: Int = 0) {
        self.userCategorical = userCategorical
        self.userCardinalities = userCardinalities
        self.itemCategorical = itemCategorical
        self.itemCardinalities = itemCardinalities
        self.itemSets = itemSets
        self.itemSetSize = itemSetSize
    }

    /// No side information: ids only.
    public static func none(userCount: Int, itemCount: Int) -> TwoTowerFeatures {
        TwoTowerFeatures(userCategorical: Array(repeating: [], count: userCount), userCardinalities: [],
                         itemCategorical: Array(repeating: [], count: itemCount), itemCardinalities: [])
    }
}

/// One tower: an id table and one table per categorical feature (all sparse), optionally a
/// bag of set members (mean of their vectors), concatenated and passed through a two-layer MLP,
/// then normalised to unit length.
public final class Tower: Module {
    /// The id table.
    public let ids: Embedding
    /// One table per categorical feature.
    public let features: [Embedding]
    /// The set-member table (e.g. genres), or nil.
    public let setMembers: Embedding?
    /// concat → hidden → output.
    public let mlp: Sequential
    /// The feature indices of every id, [count, features], stored as floats.
    public let featureIndex: Buffer
    /// Each id's set as a row-normalised multi-hot matrix, [count, setSize] (empty when no sets).
    public let setWeights: Buffer

    init(count: Int, cardinalities: [Int], categorical: [[Int]], sets: [[Int]], setSize: Int, width: Int, hidden: Int, output: Int,
         generator: RandomGenerator) {
        ids = recommenderTable(count, width, std: 0.1, sparse: true, generator: generator)
        features = cardinalities.map { recommenderTable($0, width, std: 0.1, sparse: true, generator: generator) }
        setMembers = setSize > 0 ? recommenderTable(setSize, width, std: 0.1, sparse: false, generator: generator) : nil
        let inputs = width * (1 + cardinalities.count + (setSize > 0 ? 1 : 0))
        mlp = Sequential([Linear(inputs, hidden, generator: generator), ReLU(), Linear(hidden, output, generator: generator)])
        featureIndex = Buffer(Tensor(shape: [count, cardinalities.count], scalars: categorical.flatMap { $0.map(Float.init) }))
        setWeights = Buffer(Tensor(shape: [count, setSize]) { b in
            b.initialize(repeating: 0)
            for (row, members) in sets.enumerated() where !members.isEmpty {
                for m in members { b[row * setSize + m] = 1 / Float(members.count) }
            }
        })
        super.init()
    }

    /// snake_case state-dict names, as PyTorch recommender code names them.
    public override func stateDictName(forProperty name: String) -> String {
        snakeCaseStateName(name)
    }

    /// Unit-length vectors of `indices`, [N, output].
    func callAsFunction(_ indices: [Int]) -> Tensor {
        let idx = IntTensor(indices)
        var parts = [ids(idx)]
        let table = featureIndex.value
        let f = features.count
        if f > 0 {
            let rows = table.scalars
            for (k, feature) in features.enumerated() {
                parts.append(feature(IntTensor(indices.map { Int(rows[$0 * f + k]) })))
            }
        }
        if let setMembers {
            let weights = embedding(idx, weight: setWeights.value)
            parts.append(weights.matmul(setMembers.weight.value))
        }
        return normalizedRows(mlp(Tensor.cat(parts, dim: 1)))
    }
}

/// A two-tower retrieval model (Yi et al. 2019; YouTube, Covington et al. 2016): a user tower and
/// an item tower map ids and side features to unit vectors; the score is their dot product divided
/// by `temperature`. Trained with `inBatchSoftmaxLoss` (the batch's other items are the negatives),
/// it retrieves by one matrix product (`scoreAllItems` computes every item vector once per call).
/// Names: `user_tower.*`, `item_tower.*`.
public final class TwoTowerModel: Module, Recommender {
    /// Users' tower.
    public let userTower: Tower
    /// Items' tower.
    public let itemTower: Tower
    /// Divides the cosine similarities (softmax sharpness).
    public let temperature: Float
    /// Width of the tower outputs.
    public let outputWidth: Int

    /// Towers over `features` for `userCount` users and `itemCount` items: tables `width` wide,
    /// MLPs through `hidden` to `output`.
    public init(userCount: Int, itemCount: Int, features: TwoTowerFeatures, width: Int = 32, hidden: Int = 64, output: Int = 32,
                temperature: Float = 0.05, generator: RandomGenerator = .global) {
        require(userCount > 0 && itemCount > 0 && width > 0 && hidden > 0 && output > 0 && temperature > 0,
                "TwoTowerModel: counts, widths and temperature must be positive, got users \(userCount), items \(itemCount), "
                + "width \(width), hidden \(hidden), output \(output), temperature \(temperature)")
        func check(_ rows: [[Int]], _ cards: [Int], _ count: Int, _ kind: String) {
            require(rows.count == count && rows.allSatisfy { $0.count == cards.count },
                    "TwoTowerModel: expected \(cards.count) \(kind) features for each of \(count) \(kind)s")
            for row in rows { for (k, v) in row.enumerated() where v < 0 || v >= cards[k] {
                requireFailure("TwoTowerModel: \(kind) feature \(k) value \(v) is out of range 0..<\(cards[k])")
            } }
        }
        check(features.userCategorical, features.userCardinalities, userCount, "user")
        check(features.itemCategorical, features.itemCardinalities, itemCount, "item")
        let sets = features.itemSetSize > 0 ? features.itemSets : Array(repeating: [], count: itemCount)
        require(sets.count == itemCount && sets.allSatisfy { $0.allSatisfy { (0..<features.itemSetSize).contains($0) } },
                "TwoTowerModel: item sets must hold one list per item with members in 0..<\(features.itemSetSize)")
        userTower = Tower(count: userCount, cardinalities: features.userCardinalities, categorical: features.userCategorical,
                          sets: [], setSize: 0, width: width, hidden: hidden, output: output, generator: generator)
        itemTower = Tower(count: itemCount, cardinalities: features.itemCardinalities, categorical: features.itemCategorical,
                          sets: sets, setSize: features.itemSetSize, width: width, hidden: hidden, output: output, generator: generator)
        self.temperature = temperature
        outputWidth = output
        super.init()
    }

    /// snake_case state-dict names, as PyTorch recommender code names them.
    public override func stateDictName(forProperty name: String) -> String {
        snakeCaseStateName(name)
    }

    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String { "users: \(userCount), items: \(itemCount), output: \(outputWidth), temperature: \(temperature)" }

    /// Number of users.
    public var userCount: Int { userTower.ids.numEmbeddings }
    /// Number of items.
    public var itemCount: Int { itemTower.ids.numEmbeddings }

    /// Unit vectors of `users`, [N, output].
    public func userVectors(_ users: [Int]) -> Tensor {
        checkIndices(users, count: userCount, kind: "user", "TwoTowerModel")
        return userTower(users)
    }

    /// Unit vectors of `items`, [N, output].
    public func itemVectors(_ items: [Int]) -> Tensor {
        checkIndices(items, count: itemCount, kind: "item", "TwoTowerModel")
        return itemTower(items)
    }

    /// Cosine similarity / temperature of each pair, [N].
    public func score(users: IntTensor, items: IntTensor) -> Tensor {
        require(users.shape == items.shape && users.rank == 1,
                "TwoTowerModel.score: users and items must both be [N], got \(users.shape) and \(items.shape)")
        return (userVectors(users.scalars) * itemVectors(items.scalars)).sum(dim: 1) / temperature
    }

    /// Every item's score for each user, [users.count, itemCount]: the item vectors once, then one product.
    public func scoreAllItems(users: [Int]) -> Tensor {
        withoutGradients {
            userVectors(users).matmul(itemVectors(Array(0..<itemCount)).transposed(0, 1)) / temperature
        }
    }

    /// The in-batch softmax loss of a batch of observed (user, item) pairs, with the logQ
    /// correction when `logQ` (each row's item's log sampling probability) is given.
    public func inBatchLoss(users: [Int], items: [Int], logQ: [Float]? = nil) -> Tensor {
        inBatchSoftmaxLoss(query: userVectors(users), item: itemVectors(items), itemIDs: items, temperature: temperature, logQ: logQ)
    }
}
