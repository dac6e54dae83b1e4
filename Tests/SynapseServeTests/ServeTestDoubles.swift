import Foundation
import Logging
import SynapseJobs
@testable import SynapseServe

/// A classifier or regressor whose outputs encode its inputs, so tests can tell each request got
/// its own answer: instances are `[a, b]` arrays or `{"a": .., "b": ..}` objects; the class is
/// `Int(a) mod 3`, the regression value `a * 1000 + b`.
final class EchoModel: ServableModel, @unchecked Sendable {
    // @unchecked: `batchSizes` is only touched under `lock`.
    let info: ServableModelInfo
    /// Seconds each `predict` call sleeps (to build queues).
    let delay: Double
    private let lock = NSLock()
    private var batchSizes: [Int] = []

    init(task: ServedTask = .classification, delay: Double = 0) {
        info = ServableModelInfo(task: task, inputSchema: .tabular(columns: [.init(name: "a", numeric: true), .init(name: "b", numeric: true)]),
                                 classNames: task == .classification ? ["zero", "one", "two"] : [],
                                 modelDescription: "echo \(task.rawValue)", rowWidth: 2, driftFeatureNames: ["a", "b"])
        self.delay = delay
    }

    /// The rows of each `predict` call so far.
    var recordedBatchSizes: [Int] { lock.withLock { batchSizes } }

    func prepare(_ instance: Any, index: Int) throws(InstanceError) -> [Float] {
        let a: Any?, b: Any?
        if let array = instance as? [Any], array.count == 2 {
            (a, b) = (array[0], array[1])
        } else if let object = instance as? [String: Any] {
            (a, b) = (object["a"], object["b"])
        } else {
            throw InstanceError(index: index, field: "instance", reason: "expected [a, b] or {\"a\", \"b\"}")
        }
        guard let x = a as? NSNumber, !JSONAnswer.isBool(x) else { throw InstanceError(index: index, field: "a", reason: "expected a number") }
        guard let y = b as? NSNumber, !JSONAnswer.isBool(y) else { throw InstanceError(index: index, field: "b", reason: "expected a number") }
        return [x.floatValue, y.floatValue]
    }

    func predict(rows: [Float], count: Int) -> [ServedPrediction] {
        lock.withLock { batchSizes.append(count) }
        if delay > 0 { Thread.sleep(forTimeInterval: delay) }
        return (0..<count).map { i in
            let a = Double(rows[2 * i]), b = Double(rows[2 * i + 1])
            if info.task == .classification {
                let k = Int(a) % 3
                return ServedPrediction(classIndex: k, label: info.classNames[k], probabilities: (0..<3).map { $0 == k ? 1 : 0 })
            }
            return ServedPrediction(values: [a * 1000 + b])
        }
    }

    func driftFeatures(of row: ArraySlice<Float>) -> [Double] { row.map { Double($0) } }
}

/// A language model that answers the reversed prompt cut to `max_tokens` characters.
final class ReversingLanguageModel: ServableLanguageModel {
    let info = ServableModelInfo(task: .generation, inputSchema: .text(vocabularySize: 65, context: 32), classNames: [],
                                 modelDescription: "reversing double", rowWidth: 0, driftFeatureNames: [])
    let maxTokensLimit = 50

    func generate(_ request: GenerationRequest) throws(InstanceError) -> String {
        guard !request.prompt.isEmpty else { throw InstanceError(index: 0, field: "prompt", reason: "must not be empty") }
        return String(String(request.prompt.reversed()).prefix(request.maxTokens))
    }
}

/// A drift monitor that counts what it observes and reports a fixed PSI.
final class CountingDriftMonitor: ServingDriftMonitor, @unchecked Sendable {
    // @unchecked: `observed` is only touched under `lock`.
    private let lock = NSLock()
    private var observed = 0
    let psi: Double

    init(psi: Double) { self.psi = psi }

    var count: Int { lock.withLock { observed } }

    func observe(features: [Double], prediction: ServedPrediction) { lock.withLock { observed += 1 } }

    func statistics() -> [DriftFeatureStatistic] {
        [DriftFeatureStatistic(feature: "a", psi: psi, ks: 0.5), DriftFeatureStatistic(feature: "prediction", psi: 0.01, ks: 0.1)]
    }
}

/// Failure of a test loader.
struct TestLoadError: Error, CustomStringConvertible {
    var description: String
}

/// The models a test repository loads, by `"name/version"`; tests may add some later (admin load).
final class ModelShelf: @unchecked Sendable {
    // @unchecked: `models` is only touched under `lock`.
    private let lock = NSLock()
    private var models: [String: LoadedServable]

    init(_ models: [String: LoadedServable]) { self.models = models }

    subscript(key: String) -> LoadedServable? {
        get { lock.withLock { models[key] } }
        set { lock.withLock { models[key] = newValue } }
    }
}

/// A model repository in a temporary directory whose versions load from `models`
/// (`"name/version"` → model); the `failing` versions have a directory but fail to load.
func makeRepository(_ models: [String: LoadedServable], failing: [String] = [], shelf: ModelShelf? = nil) throws -> ModelRepository {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("synapse-serve-\(UUID().uuidString)")
    for key in Array(models.keys) + failing {
        try FileManager.default.createDirectory(at: root.appendingPathComponent(key), withIntermediateDirectories: true)
    }
    let shelf = shelf ?? ModelShelf([:])
    for (key, model) in models { shelf[key] = model }
    var logger = Logger(label: "synapse.serve.test")
    logger.logLevel = .critical
    let repository = ModelRepository(directory: root, logger: logger) { url in
        let key = url.deletingLastPathComponent().lastPathComponent + "/" + url.lastPathComponent
        guard let model = shelf[key] else { throw TestLoadError(description: "no weights in \(key)") }
        return model
    }
    try repository.loadAll()
    return repository
}
