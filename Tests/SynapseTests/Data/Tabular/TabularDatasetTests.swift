import Foundation
import Testing
@testable import Synapse
@testable import SynapseData

@Suite struct TabularDatasetTests {
    static let csv = """
        id,age,colour,height,label
        p1,34,red,1.80,yes
        p2,41,blue,1.65,no
        p3,29,red,,yes
        p4,55,green,1.70,maybe
        """

    static func load(_ options: TabularOptions, text: String = csv) throws(DataError) -> TabularDataset {
        try TabularDataset(table: CSVReader.parse(text, path: "people.csv"), options: options)
    }

    @Test func infersKindsAndBuildsAStableClassList() throws {
        let data = try Self.load(TabularOptions(label: "label", task: .classification(), ignoredColumns: ["id"],
                                                missingValues: .impute))
        #expect(data.count == 4)
        #expect(data.featureNames == ["age", "colour", "height"])
        #expect(data.columns.map(\.kind) == [.numeric, .categorical, .numeric])
        #expect(data.classNames == ["maybe", "no", "yes"])
        #expect(data.classIndices == [2, 1, 2, 0])
        #expect(try data.metadataColumn(named: "id") == ["p1", "p2", "p3", "p4"])
        #expect(try data.column(named: "height").missingCount == 1)
        #expect(data.lineNumbers == [2, 3, 4, 5])
    }

    @Test func numericLabelsSortNumerically() throws {
        let data = try Self.load(TabularOptions(label: "y", task: .classification()), text: "x,y\n1,10\n2,9\n3,2\n4,10\n")
        #expect(data.classNames == ["2", "9", "10"])
        #expect(data.classIndices == [2, 1, 0, 2])
    }

    @Test func declaredKindsAndClasses() throws {
        let data = try Self.load(TabularOptions(label: "label", task: .classification(classNames: ["no", "yes", "maybe"]),
                                                columnKinds: ["age": .categorical], ignoredColumns: ["id"], missingValues: .dropRow))
        #expect(data.columns.map(\.kind) == [.categorical, .categorical, .numeric])
        #expect(data.count == 3)  // p3 dropped: missing height
        #expect(data.lineNumbers == [2, 3, 5])
        #expect(data.classIndices == [1, 0, 2])
        let undeclared = dataError { () throws(DataError) in
            try Self.load(TabularOptions(label: "label", task: .classification(classNames: ["no", "yes"]), missingValues: .impute))
        }
        #expect(undeclared?.description.contains("line 5: label \"maybe\"") == true)
    }

    @Test func regressionTarget() throws {
        let data = try Self.load(TabularOptions(label: "age", task: .regression, ignoredColumns: ["id"], missingValues: .impute))
        #expect(data.targetValues == [34, 41, 29, 55])
        #expect(data.featureNames == ["colour", "height", "label"])
        let bad = tabularError { () throws(DataError) in try Self.load(TabularOptions(label: "colour", task: .regression, missingValues: .impute)) }
        #expect(bad == .invalidNumber(path: "people.csv", line: 2, column: "colour", value: "red"))
    }

    @Test func missingLabelColumnNamesTheAvailableColumns() throws {
        let url = try tabularFixture("missing_label.csv")
        let error = tabularError { () throws(DataError) in
            try TabularDataset.load(url, options: TabularOptions(label: "label", task: .classification()))
        }
        #expect(error == .missingColumn(path: url.path, name: "label", available: ["x", "y", "target"]))
        #expect(error?.description.contains("available columns: \"x\", \"y\", \"target\"") == true)
    }

    @Test func missingValuesFollowThePolicy() throws {
        let url = try tabularFixture("nan_feature.csv")
        let options = TabularOptions(label: "label", task: .classification())
        #expect(tabularError { () throws(DataError) in try TabularDataset.load(url, options: options) }
                == .missingValue(path: url.path, line: 3, column: "y"))
        var drop = options
        drop.missingValues = .dropRow
        #expect(try TabularDataset.load(url, options: drop).count == 2)
        var impute = options
        impute.missingValues = .impute
        #expect(try TabularDataset.load(url, options: impute).column(named: "y").numbers!.map(\.isNaN) == [false, true, false])
        // NaN that is not a missing marker is a non-finite feature.
        var strict = options
        strict.missingMarkers = [""]
        #expect(tabularError { () throws(DataError) in try TabularDataset.load(url, options: strict) }
                == .nonFiniteValue(path: url.path, line: 3, column: "y", value: "NaN"))
    }

    @Test func infinityIsRejectedUnlessAllowed() throws {
        let url = try tabularFixture("inf_feature.csv")
        var options = TabularOptions(label: "label", task: .classification())
        let error = tabularError { () throws(DataError) in try TabularDataset.load(url, options: options) }
        #expect(error == .nonFiniteValue(path: url.path, line: 3, column: "y", value: "inf"))
        #expect(error?.description.contains("inf_feature.csv:3: column \"y\"") == true)
        options.allowNonFinite = true
        #expect(try TabularDataset.load(url, options: options).column(named: "y").numbers == [2, .infinity, 6])
    }

    @Test func declaredNumericColumnRejectsText() throws {
        let url = try tabularFixture("bad_number.csv")
        var options = TabularOptions(label: "label", task: .classification())
        #expect(try TabularDataset.load(url, options: options).column(named: "y").kind == .categorical)
        options.columnKinds = ["y": .numeric]
        #expect(tabularError { () throws(DataError) in try TabularDataset.load(url, options: options) }
                == .invalidNumber(path: url.path, line: 3, column: "y", value: "four"))
        options.columnKinds = ["nope": .numeric]
        guard case .missingColumn(_, "nope", _)? = tabularError({ () throws(DataError) in try TabularDataset.load(url, options: options) }) else {
            Issue.record("declaring an absent column should name it")
            return
        }
    }

    @Test func subsetKeepsClassListAndMetadata() throws {
        let data = try Self.load(TabularOptions(label: "label", task: .classification(), ignoredColumns: ["id"], missingValues: .impute))
        let part = data.subset([3, 0])
        #expect(part.classNames == data.classNames)
        #expect(part.classIndices == [0, 2])
        #expect(try part.metadataColumn(named: "id") == ["p4", "p1"])
        #expect(try part.column(named: "colour").categories! == ["green", "red"])
    }

    @Test func fingerprintsIgnoreTheLabelAndSeeEqualRows() throws {
        let data = try Self.load(TabularOptions(label: "y", task: .classification()), text: "a,b,y\n1,x,0\n1,x,1\n1,y,0\n-0,x,0\n0,x,0\n")
        let prints = data.rowFingerprints()
        #expect(prints[0] == prints[1])
        #expect(prints[0] != prints[2])
        #expect(prints[3] == prints[4])
        #expect(prints[0] != prints[3])
    }
}
