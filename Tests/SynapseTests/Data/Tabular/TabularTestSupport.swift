import Foundation
@testable import Synapse
@testable import SynapseData

/// URL of `Fixtures/tabular/<name>` inside the test bundle.
func tabularFixture(_ name: String) throws -> URL {
    guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
        throw DataError.fileNotFound(path: "Fixtures (test bundle)")
    }
    return dir.appendingPathComponent("tabular").appendingPathComponent(name)
}

/// The `TabularError` wrapped in the `DataError` that `body` throws, or nil.
func tabularError<T>(_ body: () throws(DataError) -> T) -> TabularError? {
    if case .tabular(let error)? = dataError(body) { return error }
    return nil
}
