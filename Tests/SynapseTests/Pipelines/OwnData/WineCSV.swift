import Foundation
@testable import SynapseData

/// scikit-learn's wine data (178 wines, 13 measurements, 3 cultivars) written as an ordinary CSV
/// file with a header and the cultivar as a text column `cultivar`, as a user would bring it.
enum WineCSV {
    static let featureNames = ["alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols", "flavanoids",
                               "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue", "od280/od315", "proline"]

    static var installed: Bool { (try? source()) != nil }

    static func source() throws -> URL {
        try PythonPackageData.locate("sklearn/datasets/data/wine_data.csv", dataset: "scikit-learn wine data", install: "pip install scikit-learn")
    }

    /// Writes `wine.csv` into `directory`; returns its URL.
    static func write(in directory: URL) throws -> URL {
        let lines = try String(contentsOf: source(), encoding: .utf8).split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)    // 178,13,class_0,class_1,class_2
        let classes = Array(header[2...])
        var out = [(featureNames + ["cultivar"]).joined(separator: ",")]
        for line in lines.dropFirst() where !line.isEmpty {
            var fields = line.split(separator: ",").map(String.init)
            let label = Int(fields.removeLast())!
            out.append((fields + [classes[label]]).joined(separator: ","))
        }
        let url = directory.appendingPathComponent("wine.csv")
        try (out.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }
}
