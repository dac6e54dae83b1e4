import Foundation
import Synapse

/// CSV files read into a `TabularDataset` and turned into training tensors.
///
/// Seeds are the first 40 rows of scikit-learn's breast cancer file (found with
/// `PythonPackageData`): once in its own format (line 1 `n_samples,n_features,class names`, read by
/// `TabularDataset.breastCancer(file:)`), once as a plain CSV with a header (read by
/// `TabularDataset.load` with every feature declared numeric).
///
/// Accepted corruption: a changed digit is a legitimate different value, so a mutant may be
/// accepted, but only if the training tensors it yields are sane: 30 features per row, every
/// feature finite after preprocessing, every label 0 or 1, as many labels as rows.
struct CSVTarget: FuzzTarget {
    let name = "csv"

    private static let rows = 40

    func seeds() throws -> [[UInt8]] {
        let url = try PythonPackageData.locate("sklearn/datasets/data/breast_cancer.csv", dataset: "breast cancer",
                                               install: TabularDataset.sklearnInstall)
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: true)
        let data = lines.dropFirst().prefix(Self.rows).map(String.init)
        let native = (["\(Self.rows),30,malignant,benign"] + data).joined(separator: "\n") + "\n"
        let header = (TabularDataset.breastCancerFeatureNames + ["target"]).joined(separator: ",")
        let plain = ([header] + data).joined(separator: "\n") + "\n"
        return [Array(native.utf8), Array(plain.utf8)]
    }

    func check(_ mutant: [UInt8], original: [UInt8]) -> FuzzVerdict {
        let native = original.first.map { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } ?? false
        guard let url = FuzzScratchFile.write(mutant, name: "mutant.csv") else { return .rejected }
        let tensors: TensorDataset
        do {
            let data: TabularDataset
            if native {
                data = try TabularDataset.breastCancer(file: url)
            } else {
                let kinds = Dictionary(uniqueKeysWithValues: TabularDataset.breastCancerFeatureNames.map { ($0, ColumnKind.numeric) })
                data = try TabularDataset.load(url, options: TabularOptions(label: "target", task: .classification(classNames: ["0", "1"]),
                                                                            columnKinds: kinds))
            }
            tensors = try TabularPreprocessor.fitted(on: data).classificationDataset(data)
            try DataLoader(tensors, batchSize: 32).validateNotEmpty(name: "mutant")
        } catch {
            return .rejected
        }
        guard tensors.features.shape == [tensors.count, 30] else {
            return .corruptionAccepted("features of shape \(tensors.features.shape), expected [\(tensors.count), 30]")
        }
        if let bad = tensors.features.scalars.first(where: { !$0.isFinite }) {
            return .corruptionAccepted("non-finite feature \(bad) reached the training tensors")
        }
        if let bad = tensors.labels.scalars.first(where: { $0 != 0 && $0 != 1 }) {
            return .corruptionAccepted("label \(bad) outside 0..<2")
        }
        return .accepted
    }
}
