import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseData

@Suite struct LeakageReportTests {
    @Test func cleanSplitIsClean() {
        let prints: [UInt64] = [1, 2, 3, 4, 5, 6]
        let report = LeakageReport(split: SplitIndices(train: [0, 1, 2], validation: [3, 4], test: [5]), fingerprints: prints,
                                   groups: ["a", "a", "b", "c", "c", "d"], times: [1, 2, 3, 4, 5, 6])
        #expect(report.isClean)
        #expect(report.description == "leakage check: clean")
    }

    @Test func findsOverlappingIndices() {
        let report = LeakageReport(split: SplitIndices(train: [0, 1, 2], validation: [2, 3], test: [3, 0]))
        #expect(!report.isClean)
        #expect(report.overlappingIndices.map(\.index) == [0, 2, 3])
        #expect(report.overlappingIndices[0].splits == ["train", "test"])
        #expect(report.description.contains("3 row indices in more than one split"))
    }

    @Test func findsDuplicateExamplesAcrossAndWithinSplits() throws {
        // Rows 1 and 4 are identical (a leak: train and test); rows 2 and 3 identical within train.
        let features = Tensor(shape: [5, 2], scalars: [0, 1, 5, 5, 7, 8, 7, 8, 5, 5])
        let prints = Fingerprint.rows(of: features)
        let report = LeakageReport(split: SplitIndices(train: [0, 1, 2, 3], validation: [], test: [4]), fingerprints: prints)
        #expect(!report.isClean)
        #expect(report.duplicatesAcrossSplits.count == 1)
        #expect(report.duplicatesAcrossSplits[0].members == [.init(split: "train", index: 1), .init(split: "test", index: 4)])
        #expect(report.duplicatesWithinSplits.count == 1)
        #expect(report.duplicatesWithinSplits[0].members.map(\.index) == [2, 3])
        #expect(report.description.contains("train[1], test[4]"))
        // Within-split duplicates alone are not leakage.
        #expect(LeakageReport(split: SplitIndices(train: [0, 1, 2, 3], validation: [], test: [4]),
                              fingerprints: [1, 2, 3, 3, 9]).isClean)
    }

    @Test func findsDuplicateRowsOfATabularFile() throws {
        let data = try TabularDataset(table: CSVReader.parse("a,b,y\n1,x,0\n2,y,1\n1,x,1\n3,z,0\n"),
                                      options: TabularOptions(label: "y", task: .classification()))
        let report = LeakageReport(split: SplitIndices(train: [0, 1], validation: [2, 3]), fingerprints: data.rowFingerprints())
        #expect(report.duplicatesAcrossSplits.map { $0.members.map(\.index) } == [[0, 2]])
    }

    @Test func findsGroupsInSeveralSplits() {
        let groups = ["p1", "p1", "p2", "p2", "p3"]
        let report = LeakageReport(split: SplitIndices(train: [0, 2], validation: [1, 3], test: [4]), groups: groups)
        #expect(report.sharedGroups == [.init(group: "p1", splits: ["train", "validation"]),
                                        .init(group: "p2", splits: ["train", "validation"])])
        #expect(!report.isClean)
    }

    @Test func findsTimeOrderViolations() {
        let times: [Double] = [1, 2, 3, 4, 5, 6]
        let shuffled = LeakageReport(split: SplitIndices(train: [0, 1, 4], validation: [2, 3], test: [5]), times: times)
        #expect(shuffled.timeOrderViolations == [.init(earlier: "train", later: "validation", latestInEarlier: 5, earliestInLater: 3)])
        // A shared timestamp at the boundary is a violation too: training must be strictly earlier.
        let tie = LeakageReport(split: SplitIndices(train: [0, 1], validation: [2]), times: [1, 2, 2])
        #expect(tie.timeOrderViolations.count == 1)
        #expect(tie.description.contains("train reaches 2.0 but validation starts at 2.0"))
    }

    @Test func randomSplitOfTimeSeriesIsFlagged() throws {
        let times = (0..<50).map(Double.init)
        let random = try Splitter.random(count: 50, validation: 0.2, test: 0.2, seed: 0)
        #expect(!LeakageReport(split: random, times: times).isClean)
        let ordered = try Splitter.timeOrdered(times: times, validation: 0.2, test: 0.2)
        #expect(LeakageReport(split: ordered, times: times).isClean)
    }
}
