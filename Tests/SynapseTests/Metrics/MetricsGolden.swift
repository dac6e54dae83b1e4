import Foundation
@testable import Synapse
@testable import SynapseCore

/// The scikit-learn reference file `Fixtures/metrics/metrics.json` (copied from the project's
/// golden set): input data and, per metric, the call that produced the value.
struct MetricsGolden {
    let data: [String: Any]
    let results: [String: [String: Any]]

    /// Loads the bundled fixture.
    static func load() throws -> MetricsGolden {
        guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw Golden.Failure("the test bundle has no Fixtures directory")
        }
        let url = dir.appendingPathComponent("metrics").appendingPathComponent("metrics.json")
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        guard let data = root?["data"] as? [String: Any], let results = root?["results"] as? [String: [String: Any]] else {
            throw Golden.Failure("\(url.path): expected top-level 'data' and 'results' objects")
        }
        return MetricsGolden(data: data, results: results)
    }

    func group(_ name: String) throws -> [String: Any] {
        guard let g = data[name] as? [String: Any] else { throw Golden.Failure("metrics.json: no data.\(name)") }
        return g
    }
    func ints(_ group: String, _ field: String) throws -> [Int] {
        guard let v = try self.group(group)[field] as? [NSNumber] else { throw Golden.Failure("metrics.json: no \(group).\(field)") }
        return v.map(\.intValue)
    }
    func doubles(_ group: String, _ field: String) throws -> [Double] {
        guard let v = try self.group(group)[field] as? [NSNumber] else { throw Golden.Failure("metrics.json: no \(group).\(field)") }
        return v.map(\.doubleValue)
    }
    func matrix(_ group: String, _ field: String) throws -> [[Double]] {
        guard let v = try self.group(group)[field] as? [[NSNumber]] else { throw Golden.Failure("metrics.json: no \(group).\(field)") }
        return v.map { $0.map(\.doubleValue) }
    }
    func value(_ key: String) throws -> Double {
        guard let v = results[key]?["value"] as? NSNumber else { throw Golden.Failure("metrics.json: no results.\(key).value") }
        return v.doubleValue
    }
    func intMatrix(_ key: String) throws -> [[Int]] {
        guard let v = results[key]?["value"] as? [[NSNumber]] else { throw Golden.Failure("metrics.json: no results.\(key) matrix") }
        return v.map { $0.map(\.intValue) }
    }
    func bins(_ key: String) throws -> [[String: Any]] {
        guard let v = results[key]?["bins"] as? [[String: Any]] else { throw Golden.Failure("metrics.json: no results.\(key).bins") }
        return v
    }
}

/// |a − b| ≤ atol + rtol·|b| (NumPy's `isclose`), with the fixture's suggested Float64 tolerance by default.
func close(_ a: Double, _ b: Double, rtol: Double = 1e-6, atol: Double = 1e-9) -> Bool {
    abs(a - b) <= atol + rtol * abs(b)
}
