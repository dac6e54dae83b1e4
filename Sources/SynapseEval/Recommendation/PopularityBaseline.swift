import SynapseCore

/// The most-popular baseline of recommendation: every user gets the items with the most training
/// interactions. Any personalised model has to beat it — on MovieLens it is strong.
public struct PopularityBaseline: Sendable {
    /// Training interactions per item.
    public let counts: [Int]

    /// Counts the items of `trainingItems` (one entry per training interaction).
    public init(trainingItems: [Int], itemCount: Int) {
        var c = [Int](repeating: 0, count: itemCount)
        for i in trainingItems where (0..<itemCount).contains(i) { c[i] += 1 }
        counts = c
    }

    /// The same popularity scores for each of `users`, [users.count, items].
    public func scores(users: [Int]) -> Tensor {
        let row = counts.map(Float.init)
        return Tensor(shape: [users.count, counts.count], scalars: Array(Array(repeating: row, count: users.count).joined()))
    }
}
