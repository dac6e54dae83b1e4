import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseData

@Suite struct TabularPreprocessorTests {
    /// Rows 0-3 are the training split; rows 4-5 (validation) hold extreme values and a colour the
    /// training split never saw, so any statistic that peeks at them changes visibly.
    static func data() throws -> TabularDataset {
        let text = """
            x,colour,y
            1,red,a
            2,blue,b
            3,red,a
            ,red,b
            1000,green,a
            -1000,blue,b
            """
        return try TabularDataset(table: CSVReader.parse(text), options: TabularOptions(
            label: "y", task: .classification(), missingValues: .impute))
    }

    static let train = [0, 1, 2, 3]
    static let validation = [4, 5]

    @Test func standardisationUsesTrainingStatisticsOnly() throws {
        let data = try Self.data()
        let prep = try TabularPreprocessor.fitted(on: data.subset(Self.train),
                                                  options: PreprocessingOptions(unknownCategories: .ignore))
        // Training x values present: 1, 2, 3 -> mean 2, population std sqrt(2/3); the missing x is
        // filled with the training mean 2.
        let state = prep.columns![0]
        #expect(state.fill == 2)
        #expect(abs(state.scaling!.shift - 2) < 1e-12)
        #expect(abs(state.scaling!.scale - (2.0 / 3).squareRoot()) < 1e-12)
        #expect(prep.columns![1].categories == ["blue", "red"])  // "green" only appears in validation
        #expect(prep.trainingRows == 4)
        #expect(prep.outputFeatureNames == ["x", "colour=blue", "colour=red"])

        let train = try prep.transform(data.subset(Self.train))
        #expect(train.shape == [4, 3])
        let x = (0..<4).map { train.scalars[$0 * 3] }
        #expect(abs(x.reduce(0, +)) < 1e-5)  // centred on the training rows
        // Validation rows are mapped with the training mean and std, not their own.
        let validation = try prep.transform(data.subset(Self.validation))
        let std = Float((2.0 / 3).squareRoot())
        #expect(abs(validation.scalars[0] - (1000 - 2) / std) < 1e-2)
        #expect(Array(validation.scalars[1...2]) == [0, 0])  // unseen "green" ignored
        #expect(Array(validation.scalars[4...5]) == [1, 0])  // "blue"

        // Fitting on everything gives different statistics: the test above would notice a leak.
        let leaky = try TabularPreprocessor.fitted(on: data)
        #expect(leaky.columns![0].fill != state.fill)
    }

    @Test func minMaxAndMedianUseTrainingRows() throws {
        let data = try Self.data()
        let prep = try TabularPreprocessor.fitted(on: data.subset(Self.train), options: PreprocessingOptions(
            numericScaling: .minMax, numericImputation: .median, unknownCategories: .ignore))
        #expect(prep.columns![0].scaling == ScalingParameters(shift: 1, scale: 2))
        #expect(prep.columns![0].fill == 2)
        let train = try prep.transform(data.subset(Self.train))
        #expect((0..<4).map { train.scalars[$0 * 3] } == [0, 0.5, 1, 0.5])
        let validation = try prep.transform(data.subset(Self.validation))
        #expect(validation.scalars[0] == Float((1000.0 - 1) / 2))  // outside [0, 1]: not refitted
    }

    @Test func unknownCategoryPolicyError() throws {
        let data = try Self.data()
        let prep = try TabularPreprocessor.fitted(on: data.subset(Self.train))
        let error = tabularError { () throws(DataError) in try prep.transform(data.subset(Self.validation)) }
        #expect(error == .unknownCategory(column: "colour", value: "green", known: ["blue", "red"]))
    }

    @Test func classificationAndRegressionDatasets() throws {
        let data = try Self.data()
        let prep = try TabularPreprocessor.fitted(on: data.subset(Self.train), options: PreprocessingOptions(unknownCategories: .ignore))
        let tensors = try prep.classificationDataset(data.subset(Self.validation))
        #expect(tensors.labels.scalars == [0, 1])
        #expect(tensors.features.shape == [2, 3])
        #expect(tabularError { () throws(DataError) in try prep.regressionDataset(data) } != nil)

        let numbers = try TabularDataset(table: CSVReader.parse("a,t\n1,10\n2,20\n3,30\n4,1000\n"),
                                         options: TabularOptions(label: "t", task: .regression))
        let reg = try TabularPreprocessor.fitted(on: numbers.subset([0, 1, 2]), options: PreprocessingOptions(targetScaling: .standardize))
        let all = try reg.regressionDataset(numbers)
        #expect(all.targets.shape == [4, 1])
        #expect(abs(all.targets.scalars[1]) < 1e-6)  // 20 is the training mean
        let back = reg.inverseTransformTargets(all.targets)
        #expect(zip(back.scalars, [10, 20, 30, 1000] as [Float]).allSatisfy { abs($0 - $1) < 1e-3 })
    }

    @Test func schemaMismatchIsReported() throws {
        let data = try Self.data()
        let prep = try TabularPreprocessor.fitted(on: data.subset(Self.train), options: PreprocessingOptions(unknownCategories: .ignore))
        let other = try TabularDataset(table: CSVReader.parse("x,y\n1,a\n"), options: TabularOptions(label: "y", task: .classification()))
        guard case .schemaMismatch? = tabularError({ () throws(DataError) in try prep.transform(other) }) else {
            Issue.record("a table with other columns must be rejected")
            return
        }
    }

    @Test func stateRoundTripsThroughJSON() throws {
        let data = try Self.data()
        let prep = try TabularPreprocessor.fitted(on: data.subset(Self.train), options: PreprocessingOptions(unknownCategories: .ignore))
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.file("prep.json")
        try prep.save(to: url)
        let loaded = try TabularPreprocessor.load(from: url)
        #expect(loaded == prep)
        #expect(try loaded.transform(data).scalars == prep.transform(data).scalars)

        try Data("{\"version\": 1}".utf8).write(to: url)
        guard case .invalidState(let path, _)? = tabularError({ () throws(DataError) in try TabularPreprocessor.load(from: url) }) else {
            Issue.record("a truncated state must be rejected")
            return
        }
        #expect(path == url.path)
    }

    @Test func featureScalerFitsColumnsOfATensor() {
        let train = Tensor(shape: [3, 2], scalars: [1, 10, 2, 10, 3, 10])
        let scaler = FeatureScaler(.standardize, fittedOn: train)
        #expect(scaler.columns[1] == ScalingParameters(shift: 10, scale: 1))  // constant column: centred only
        let out = scaler.transform(Tensor(shape: [1, 2], scalars: [5, 12]))
        #expect(abs(out.scalars[0] - Float(3 / (2.0 / 3).squareRoot())) < 1e-5)
        #expect(out.scalars[1] == 2)
        #expect(zip(scaler.inverseTransform(out).scalars, [5, 12] as [Float]).allSatisfy { abs($0 - $1) < 1e-5 })
    }
}
