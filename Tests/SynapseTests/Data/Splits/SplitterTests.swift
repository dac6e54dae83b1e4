import Testing
@testable import Synapse
@testable import SynapseData

@Suite struct SplitterTests {
    /// Every index in `0..<count` exactly once across the parts.
    static func isPartition(_ split: SplitIndices, count: Int) -> Bool {
        (split.train + split.validation + split.test).sorted() == Array(0..<count)
    }

    @Test func randomSplitIsASeededPartition() throws {
        let a = try Splitter.random(count: 100, validation: 0.2, test: 0.1, seed: 7)
        #expect(Self.isPartition(a, count: 100))
        #expect((a.train.count, a.validation.count, a.test.count) == (70, 20, 10))
        #expect(try Splitter.random(count: 100, validation: 0.2, test: 0.1, seed: 7) == a)
        #expect(try Splitter.random(count: 100, validation: 0.2, test: 0.1, seed: 8) != a)
        #expect(a.train == a.train.sorted())
        #expect(LeakageReport(split: a).isClean)
    }

    @Test func invalidFractionsThrow() {
        #expect(throws: SplitError.invalidFractions(validation: 0.6, test: 0.5)) {
            try Splitter.random(count: 10, validation: 0.6, test: 0.5, seed: 0)
        }
        #expect(throws: SplitError.invalidFractions(validation: -0.1, test: 0)) {
            try Splitter.random(count: 10, validation: -0.1, seed: 0)
        }
        #expect(throws: SplitError.invalidFoldCount(k: 1, count: 10)) { try Splitter.kFold(count: 10, k: 1, seed: 0) }
        #expect(throws: SplitError.invalidFoldCount(k: 11, count: 10)) { try Splitter.kFold(count: 10, k: 11, seed: 0) }
    }

    @Test func stratifiedSplitKeepsClassProportions() throws {
        // 80 of class 0, 20 of class 1, interleaved.
        let labels = (0..<100).map { $0 % 5 == 0 ? 1 : 0 }
        let split = try Splitter.stratified(labels: labels, validation: 0.2, test: 0.1, seed: 3)
        #expect(Self.isPartition(split, count: 100))
        func ones(_ part: [Int]) -> Int { part.filter { labels[$0] == 1 }.count }
        #expect((ones(split.train), ones(split.validation), ones(split.test)) == (14, 4, 2))
        #expect((split.train.count, split.validation.count, split.test.count) == (70, 20, 10))
        #expect(try Splitter.stratified(labels: labels, validation: 0.2, test: 0.1, seed: 3) == split)
    }

    @Test func timeOrderedSplitIsStrictlyChronologicalAndKeepsTiesTogether() throws {
        // Times out of file order, with a tie (5.0 twice) straddling the 50 % cut.
        let times: [Double] = [9, 1, 5, 3, 7, 2, 5, 8, 4, 6]
        let split = try Splitter.timeOrdered(times: times, validation: 0.3, test: 0.2)
        #expect(Self.isPartition(split, count: 10))
        let t = { (part: [Int]) in part.map { times[$0] } }
        #expect(t(split.train) == [1, 2, 3, 4, 5, 5])  // the second 5 joins its twin in training
        #expect(t(split.validation) == [6, 7])
        #expect(t(split.test) == [8, 9])
        #expect(t(split.train).max()! < t(split.validation).min()!)
        #expect(t(split.validation).max()! < t(split.test).min()!)
        #expect(LeakageReport(split: split, times: times).isClean)
    }

    @Test func groupSplitNeverSharesAGroup() throws {
        let groups = (0..<60).map { "patient\($0 % 13)" }
        let split = try Splitter.grouped(groups: groups, validation: 0.2, test: 0.2, seed: 1)
        #expect(Self.isPartition(split, count: 60))
        let parts = [split.train, split.validation, split.test].map { Set($0.map { groups[$0] }) }
        #expect(parts.allSatisfy { !$0.isEmpty })
        #expect(parts[0].isDisjoint(with: parts[1]) && parts[0].isDisjoint(with: parts[2]) && parts[1].isDisjoint(with: parts[2]))
        #expect(LeakageReport(split: split, groups: groups).isClean)
        #expect(try Splitter.grouped(groups: groups, validation: 0.2, test: 0.2, seed: 1) == split)
        #expect(throws: SplitError.tooFewGroups(groups: 2, needed: 3)) {
            try Splitter.grouped(groups: ["a", "b", "a"], validation: 0.3, test: 0.3, seed: 0)
        }
    }

    @Test func kFoldValidatesEveryRowOnce() throws {
        let folds = try Splitter.kFold(count: 23, k: 5, seed: 2)
        #expect(folds.count == 5)
        #expect(folds.flatMap(\.validation).sorted() == Array(0..<23))
        for fold in folds {
            #expect(Self.isPartition(fold, count: 23))
            #expect([4, 5].contains(fold.validation.count))
            #expect(LeakageReport(split: fold).isClean)
        }
    }

    @Test func stratifiedKFoldBalancesClasses() throws {
        let labels = (0..<50).map { $0 < 10 ? 1 : 0 }  // 10 of class 1, 40 of class 0
        let folds = try Splitter.stratifiedKFold(labels: labels, k: 5, seed: 4)
        #expect(folds.flatMap(\.validation).sorted() == Array(0..<50))
        for fold in folds {
            #expect(fold.validation.count == 10)
            #expect(fold.validation.filter { labels[$0] == 1 }.count == 2)
        }
    }

    @Test func groupedKFoldKeepsGroupsTogether() throws {
        let groups = (0..<40).map { "user\($0 % 9)" }
        let folds = try Splitter.groupedKFold(groups: groups, k: 3, seed: 5)
        #expect(folds.flatMap(\.validation).sorted() == Array(0..<40))
        for fold in folds {
            #expect(Self.isPartition(fold, count: 40))
            #expect(LeakageReport(split: fold, groups: groups).isClean)
            #expect((12...15).contains(fold.validation.count))
        }
        #expect(try Splitter.groupedKFold(groups: groups, k: 3, seed: 5) == folds)
        #expect(throws: SplitError.invalidFoldCount(k: 4, count: 3)) { try Splitter.groupedKFold(groups: ["a", "b", "c"], k: 4, seed: 0) }
    }

    @Test func timeSeriesFoldsExpandAndStayChronological() throws {
        let times = (0..<12).map { Double(11 - $0) }  // newest first in file order
        let folds = try Splitter.timeSeriesFolds(times: times, k: 3)
        #expect(folds.map(\.train.count) == [3, 6, 9])
        #expect(folds.map(\.validation.count) == [3, 3, 3])
        for fold in folds {
            #expect(fold.train.map { times[$0] }.max()! < fold.validation.map { times[$0] }.min()!)
            #expect(LeakageReport(split: fold, times: times).isClean)
        }
    }

    @Test func subsetOfAnyDataset() {
        let data = IndexDataset(count: 10)
        let split = SplitIndices(train: [3, 1, 4], validation: [0])
        let part = data.subset(split.train)
        #expect(part.count == 3)
        #expect(part[1] == 1)
        #expect(part.batch([2, 0]) == [4, 3])
        #expect(DataLoader(part, batchSize: 2, shuffle: false).map { $0 } == [[3, 1], [4]])
    }
}
