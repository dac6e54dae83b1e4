/// The time-ordered leave-one-out split of recommendation data (NCF, SASRec): each user's
/// interactions are ordered by time; the last one is the user's test item, the one before it the
/// validation item, and everything earlier trains. No user's training data is later than that
/// user's validation or test item, so the model never sees the future it is asked to predict.
/// Users with fewer than three interactions keep them all in training (nothing to hold out).
public struct LeaveOneOutSplit: Sendable {
    /// Training interactions, in time order per user (users in index order).
    public let train: [Interaction]
    /// Each evaluated user's second-to-last interaction.
    public let validation: [Interaction]
    /// Each evaluated user's last interaction.
    public let test: [Interaction]
    /// Per user, the items of their training interactions (excluded from that user's rankings).
    public let trainingItems: [[Int]]

    /// Splits `interactions` of `userCount` users. Ties in time keep file order, so the split is
    /// deterministic.
    public init(_ interactions: [Interaction], userCount: Int) {
        var byUser = [[(Int, Interaction)]](repeating: [], count: userCount)
        for (position, x) in interactions.enumerated() where (0..<userCount).contains(x.user) {
            byUser[x.user].append((position, x))
        }
        var train: [Interaction] = [], validation: [Interaction] = [], test: [Interaction] = []
        var items = [[Int]](repeating: [], count: userCount)
        for (user, events) in byUser.enumerated() {
            let ordered = events.sorted { ($0.1.timestamp, $0.0) < ($1.1.timestamp, $1.0) }.map(\.1)
            if ordered.count >= 3 {
                test.append(ordered[ordered.count - 1])
                validation.append(ordered[ordered.count - 2])
                train += ordered.dropLast(2)
                items[user] = ordered.dropLast(2).map(\.item)
            } else {
                train += ordered
                items[user] = ordered.map(\.item)
            }
        }
        self.train = train
        self.validation = validation
        self.test = test
        trainingItems = items
    }
}
