import SynapseCore

/// Seeded ways to divide a dataset's rows into training, validation and test indices.
///
/// Each function takes only what it needs about the rows (their number, labels, times or groups),
/// so it works for any dataset. Returned indices are sorted ascending within each part (time
/// splits: chronological), so subsets keep the file's order; the same seed gives the same split.
/// Part sizes are `round(count * fraction)` for validation and test; training gets the rest.
public enum Splitter {
    /// Checks fractions and returns the validation and test sizes for `count` rows.
    static func sizes(count: Int, validation: Double, test: Double) throws(SplitError) -> (validation: Int, test: Int) {
        guard validation >= 0, test >= 0, validation < 1, test < 1, validation + test < 1 else {
            throw .invalidFractions(validation: validation, test: test)
        }
        let v = Int((Double(count) * validation).rounded()), t = Int((Double(count) * test).rounded())
        return (min(v, count), min(t, count - min(v, count)))
    }

    /// A uniformly random split of `count` rows.
    public static func random(count: Int, validation: Double, test: Double = 0, seed: UInt64) throws(SplitError) -> SplitIndices {
        let (v, t) = try sizes(count: count, validation: validation, test: test)
        let order = Permutation.shuffled(count, using: RandomGenerator(seed: seed))
        return try nonEmpty(SplitIndices(train: Array(order[(v + t)...]).sorted(), validation: Array(order[..<v]).sorted(),
                                         test: Array(order[v..<(v + t)]).sorted()), validation: validation, test: test)
    }

    /// A random split that keeps each class's share in every part: each class is shuffled and cut
    /// by the fractions on its own (scikit-learn's `train_test_split(stratify=)`).
    /// - Parameter labels: the class of every row (e.g. `TabularDataset.classIndices`).
    public static func stratified(labels: [Int], validation: Double, test: Double = 0, seed: UInt64) throws(SplitError) -> SplitIndices {
        _ = try sizes(count: labels.count, validation: validation, test: test)
        let generator = RandomGenerator(seed: seed)
        var split = SplitIndices(train: [], validation: [], test: [])
        for members in classMembers(labels) {
            let (v, t) = try sizes(count: members.count, validation: validation, test: test)
            let order = Permutation.shuffled(members.count, using: generator).map { members[$0] }
            split.validation += order[..<v]
            split.test += order[v..<(v + t)]
            split.train += order[(v + t)...]
        }
        return try nonEmpty(SplitIndices(train: split.train.sorted(), validation: split.validation.sorted(), test: split.test.sorted()),
                            validation: validation, test: test)
    }

    /// A chronological split: training rows come strictly before validation rows, which come
    /// strictly before test rows. Rows with equal times always land in the same part (the cut moves
    /// later to keep ties together), so no part shares a timestamp with the next.
    /// - Parameter times: the time key of every row (years, dates, step numbers).
    public static func timeOrdered<T: Comparable>(times: [T], validation: Double, test: Double = 0) throws(SplitError) -> SplitIndices {
        let count = times.count
        let (v, t) = try sizes(count: count, validation: validation, test: test)
        // Stable sort by time: equal times keep file order.
        let order = times.indices.sorted { (times[$0], $0) < (times[$1], $1) }
        func cut(_ position: Int) -> Int {
            var p = position
            while p > 0 && p < count && times[order[p]] == times[order[p - 1]] { p += 1 }
            return p
        }
        let trainEnd = cut(count - v - t)
        let validationEnd = max(trainEnd, cut(count - t))
        return try nonEmpty(SplitIndices(train: Array(order[..<trainEnd]), validation: Array(order[trainEnd..<validationEnd]),
                                         test: Array(order[validationEnd...])), validation: validation, test: test)
    }

    /// A split in which every group (patient, user, session, ...) lies wholly in one part, so a
    /// model is never tested on a group it trained on. Groups are shuffled with the seed and
    /// handed to test, then validation, until each part reaches its share of rows; part sizes are
    /// therefore only approximately the fractions.
    /// - Parameter groups: the group key of every row.
    public static func grouped<G: Hashable>(groups: [G], validation: Double, test: Double = 0, seed: UInt64) throws(SplitError) -> SplitIndices {
        let (v, t) = try sizes(count: groups.count, validation: validation, test: test)
        let members = groupMembers(groups)
        let needed = 1 + (v > 0 ? 1 : 0) + (t > 0 ? 1 : 0)
        guard members.count >= needed else { throw .tooFewGroups(groups: members.count, needed: needed) }
        let order = Permutation.shuffled(members.count, using: RandomGenerator(seed: seed))
        var split = SplitIndices(train: [], validation: [], test: [])
        var next = 0
        // Leave at least one group for each later part.
        func fill(_ part: inout [Int], target: Int, reserve: Int) {
            while part.count < target && members.count - next > reserve {
                part += members[order[next]]
                next += 1
            }
        }
        fill(&split.test, target: t, reserve: v > 0 ? 2 : 1)
        fill(&split.validation, target: v, reserve: 1)
        while next < members.count {
            split.train += members[order[next]]
            next += 1
        }
        return try nonEmpty(SplitIndices(train: split.train.sorted(), validation: split.validation.sorted(), test: split.test.sorted()),
                            validation: validation, test: test)
    }

    /// `k` folds of `count` shuffled rows: fold `i` validates on the `i`-th block and trains on the
    /// rest. Every row is validated on exactly once; block sizes differ by at most one.
    public static func kFold(count: Int, k: Int, seed: UInt64) throws(SplitError) -> [SplitIndices] {
        guard k >= 2 && k <= count else { throw .invalidFoldCount(k: k, count: count) }
        let order = Permutation.shuffled(count, using: RandomGenerator(seed: seed))
        let blocks = (0..<k).map { i in Array(order[(i * count / k)..<((i + 1) * count / k)]) }
        return folds(blocks)
    }

    /// `k` folds that keep each class's share in every fold: each class is shuffled and dealt
    /// round-robin into the folds (continuing where the previous class stopped, so fold sizes stay
    /// within one of each other).
    public static func stratifiedKFold(labels: [Int], k: Int, seed: UInt64) throws(SplitError) -> [SplitIndices] {
        guard k >= 2 && k <= labels.count else { throw .invalidFoldCount(k: k, count: labels.count) }
        let generator = RandomGenerator(seed: seed)
        var blocks = [[Int]](repeating: [], count: k)
        var fold = 0
        for members in classMembers(labels) {
            for p in Permutation.shuffled(members.count, using: generator) {
                blocks[fold].append(members[p])
                fold = (fold + 1) % k
            }
        }
        return folds(blocks)
    }

    /// `k` folds in which every group lies wholly in one validation block (scikit-learn's
    /// `GroupKFold`, seeded): groups are shuffled, then placed largest first into the block with the
    /// fewest rows so far, so blocks stay close in size.
    public static func groupedKFold<G: Hashable>(groups: [G], k: Int, seed: UInt64) throws(SplitError) -> [SplitIndices] {
        let members = groupMembers(groups)
        guard k >= 2 && k <= members.count else {
            throw members.count < 2 ? .tooFewGroups(groups: members.count, needed: 2) : .invalidFoldCount(k: k, count: members.count)
        }
        let shuffled = Permutation.shuffled(members.count, using: RandomGenerator(seed: seed))
        let bySize = shuffled.enumerated().sorted { (members[$1.element].count, $0.offset) < (members[$0.element].count, $1.offset) }
        var blocks = [[Int]](repeating: [], count: k)
        for (_, group) in bySize {
            let lightest = blocks.indices.min { (blocks[$0].count, $0) < (blocks[$1].count, $1) }!
            blocks[lightest] += members[group]
        }
        return folds(blocks)
    }

    /// Expanding-window folds for time series (scikit-learn's `TimeSeriesSplit`): the rows sorted by
    /// time are cut into `k + 1` blocks; fold `i` trains on blocks `0...i` and validates on block
    /// `i + 1`, so every fold trains strictly before it validates. Equal times stay in one block.
    public static func timeSeriesFolds<T: Comparable>(times: [T], k: Int) throws(SplitError) -> [SplitIndices] {
        let count = times.count
        guard k >= 2 && k < count else { throw .invalidFoldCount(k: k, count: count) }
        let order = times.indices.sorted { (times[$0], $0) < (times[$1], $1) }
        func cut(_ position: Int) -> Int {
            var p = position
            while p > 0 && p < count && times[order[p]] == times[order[p - 1]] { p += 1 }
            return p
        }
        var bounds = [0]
        for j in 1...k { bounds.append(max(bounds[j - 1], cut(j * count / (k + 1)))) }
        bounds.append(count)
        var result: [SplitIndices] = []
        for i in 0..<k {
            let fold = SplitIndices(train: Array(order[..<bounds[i + 1]]), validation: Array(order[bounds[i + 1]..<bounds[i + 2]]))
            // Ties in time move cuts later, which can leave a block empty.
            guard !fold.train.isEmpty, !fold.validation.isEmpty else {
                throw .emptyPart(part: fold.train.isEmpty ? "training" : "validation", rows: count,
                                 reason: "fold \(i + 1) of \(k) has no rows (too few distinct times for \(k) folds)")
            }
            result.append(fold)
        }
        return result
    }

    /// `split` itself, or an error when training is empty or validation or test is empty although
    /// its fraction asked for rows: an empty test part would report a metric of nothing, and an
    /// empty training part would train nothing.
    static func nonEmpty(_ split: SplitIndices, validation: Double, test: Double) throws(SplitError) -> SplitIndices {
        let rows = split.train.count + split.validation.count + split.test.count
        let advice = "use more rows or smaller validation/test fractions"
        if split.train.isEmpty {
            throw .emptyPart(part: "training", rows: rows, reason: "validation \(validation) and test \(test) leave no rows; " + advice)
        }
        if validation > 0 && split.validation.isEmpty {
            throw .emptyPart(part: "validation", rows: rows, reason: "a fraction of \(validation) rounds to no rows; " + advice)
        }
        if test > 0 && split.test.isEmpty {
            throw .emptyPart(part: "test", rows: rows, reason: "a fraction of \(test) rounds to no rows; " + advice)
        }
        return split
    }

    private static func folds(_ blocks: [[Int]]) -> [SplitIndices] {
        blocks.indices.map { i in
            SplitIndices(train: blocks.indices.filter { $0 != i }.flatMap { blocks[$0] }.sorted(), validation: blocks[i].sorted())
        }
    }

    /// Row indices of each group, groups in order of first appearance (deterministic, unlike
    /// iterating a `Set`).
    private static func groupMembers<G: Hashable>(_ groups: [G]) -> [[Int]] {
        var position: [G: Int] = [:]
        var members: [[Int]] = []
        for (row, group) in groups.enumerated() {
            if let p = position[group] {
                members[p].append(row)
            } else {
                position[group] = members.count
                members.append([row])
            }
        }
        return members
    }

    /// Row indices of each class, classes in ascending order.
    private static func classMembers(_ labels: [Int]) -> [[Int]] {
        var byClass: [Int: [Int]] = [:]
        for (row, label) in labels.enumerated() { byClass[label, default: []].append(row) }
        return byClass.keys.sorted().map { byClass[$0]! }
    }
}
