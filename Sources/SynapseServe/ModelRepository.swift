import Foundation
import Logging
import SynapseJobs

/// The models a server answers for, laid out as Triton does: `DIR/<model-name>/<version>/`, where
/// each version directory holds what `ServableModels.load(directory:)` reads and versions are
/// positive integers (other names are skipped with a warning).
///
/// Every version found is loaded at start; the highest one that loads serves. A version that fails
/// to load is reported as "failed: reason" and never stops the others. Switching the serving
/// version swaps a reference under a lock, so requests already running on the old version finish
/// on it.
public final class ModelRepository: @unchecked Sendable {
    // @unchecked: `models` is only read and written under `lock`.
    /// The repository's directory.
    public let directory: URL
    private let loader: @Sendable (URL) throws -> LoadedServable
    private let logger: Logger
    private let lock = NSLock()
    private var models: [String: ModelEntry] = [:]

    /// One model's versions and which one serves.
    struct ModelEntry {
        var versions: [Int: VersionSlot] = [:]
        var serving: Int?
        var previous: Int?
        /// Set once the server starts: loading a higher version no longer switches to it.
        var started = false
    }

    /// One version's directory and state.
    struct VersionSlot {
        var url: URL
        var state: VersionState
    }

    /// Where a version is in its life.
    enum VersionState {
        case loading
        case ready(LoadedServable)
        case failed(String)
        case unloaded

        /// "loading", "ready", "failed: reason", "unloaded".
        var label: String {
            switch self {
            case .loading: "loading"
            case .ready: "ready"
            case .failed(let reason): "failed: \(reason)"
            case .unloaded: "unloaded"
            }
        }
    }

    /// A repository over `directory`; `loader` reads one version directory (the default reads what
    /// `synapse train` writes). Nothing is loaded until `loadAll()`.
    public init(directory: URL, logger: Logger = Logger(label: "synapse.serve"),
                loader: @escaping @Sendable (URL) throws -> LoadedServable = { try ServableModels.load(directory: $0) }) {
        self.directory = directory
        self.loader = loader
        self.logger = logger
    }

    /// Finds every model and version under the directory and loads them, each highest loaded
    /// version serving.
    /// - Throws: `ServeRepositoryError` when the directory cannot be read or holds no model.
    public func loadAll() throws(ServeRepositoryError) {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ServeRepositoryError(path: directory.path, reason: "not a directory (expected DIR/<model>/<version>/)")
        }
        let names = ((try? fm.contentsOfDirectory(atPath: directory.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        var found = 0
        for name in names {
            let modelURL = directory.appendingPathComponent(name)
            guard fm.fileExists(atPath: modelURL.path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            found += 1
            lock.withLock { _ = models[name, default: ModelEntry()] }
            for entry in ((try? fm.contentsOfDirectory(atPath: modelURL.path)) ?? []).sorted() where !entry.hasPrefix(".") {
                guard let version = Int(entry), version > 0, String(version) == entry else {
                    logger.warning("skipping \(modelURL.path)/\(entry): version directories are positive integers",
                                   metadata: ["model": .string(name)])
                    continue
                }
                _ = load(model: name, version: version)
            }
        }
        guard found > 0 else {
            throw ServeRepositoryError(path: directory.path, reason: "holds no model directory (expected DIR/<model>/<version>/)")
        }
    }

    /// Loads (or reloads) `version` of `model` from its directory and returns its state label.
    /// The model's first loaded version, or one higher than the serving version at start, serves.
    @discardableResult
    func load(model name: String, version: Int) -> String {
        let url = directory.appendingPathComponent(name).appendingPathComponent(String(version))
        lock.withLock { models[name, default: ModelEntry()].versions[version] = VersionSlot(url: url, state: .loading) }
        let state: VersionState
        do {
            state = .ready(try loader(url))
            logger.info("loaded", metadata: ["model": .string(name), "version": .string(String(version))])
        } catch {
            state = .failed(String(describing: error))
            logger.error("failed to load \(url.path): \(error)", metadata: ["model": .string(name), "version": .string(String(version))])
        }
        return lock.withLock {
            models[name]?.versions[version]?.state = state
            if case .ready = state, let entry = models[name], entry.serving.map({ $0 < version && !entry.started }) ?? true {
                models[name]?.serving = version
            }
            return state.label
        }
    }

    /// Marks the repository started: from now on only `serve` and `rollback` change serving versions.
    func markStarted() {
        lock.withLock { for name in models.keys { models[name]?.started = true } }
    }

    /// The names of the models, sorted.
    public var modelNames: [String] { lock.withLock { models.keys.sorted() } }

    /// A model's versions, states and serving version, or nil for an unknown model.
    public func status(of name: String) -> ModelStatus? {
        lock.withLock {
            guard let entry = models[name] else { return nil }
            return ModelStatus(name: name, servingVersion: entry.serving, previousVersion: entry.previous,
                               versions: entry.versions.keys.sorted().map { ($0, entry.versions[$0]!.state.label) })
        }
    }

    /// The loaded model answering `version` of `name` (nil: the serving version), with the version.
    /// - Throws: `ServeError.notFound` for an unknown model or version, `.unavailable` for one not ready.
    func resolve(_ name: String, version: Int?) throws(ServeError) -> (version: Int, servable: LoadedServable, url: URL) {
        let found: Result<(Int, LoadedServable, URL), ServeError> = lock.withLock {
            guard let entry = models[name] else { return .failure(.notFound("no model named '\(name)'")) }
            guard let v = version ?? entry.serving else {
                return .failure(.unavailable("model '\(name)' has no ready version"))
            }
            guard let slot = entry.versions[v] else { return .failure(.notFound("model '\(name)' has no version \(v)")) }
            guard case .ready(let servable) = slot.state else {
                return .failure(.unavailable("version \(v) of model '\(name)' is \(slot.state.label)"))
            }
            return .success((v, servable, slot.url))
        }
        return try found.get()
    }

    /// The newest ready version of `name` other than the serving one (the canary), if any.
    func canaryVersion(of name: String) -> Int? {
        lock.withLock {
            guard let entry = models[name] else { return nil }
            return entry.versions.filter { key, slot in
                if case .ready = slot.state { return key != entry.serving }
                return false
            }.keys.max()
        }
    }

    /// True when every model has a ready serving version.
    public var isReady: Bool {
        lock.withLock {
            !models.isEmpty && models.values.allSatisfy { entry in
                guard let v = entry.serving, case .ready = entry.versions[v]?.state else { return false }
                return true
            }
        }
    }

    /// Makes `version` (ready) the serving version of `name`; the old one becomes the rollback target.
    /// - Throws: `ServeError.notFound` / `.conflict` for an unknown or unready version.
    public func serve(_ name: String, version: Int) throws(ServeError) {
        try lock.locked { () throws(ServeError) in
            guard var entry = models[name] else { throw .notFound("no model named '\(name)'") }
            guard let slot = entry.versions[version] else { throw .notFound("model '\(name)' has no version \(version)") }
            guard case .ready = slot.state else { throw .conflict("version \(version) of '\(name)' is \(slot.state.label), not ready") }
            if entry.serving != version {
                entry.previous = entry.serving
                entry.serving = version
            }
            models[name] = entry
        }
        logger.notice("serving version switched", metadata: ["model": .string(name), "version": .string(String(version))])
    }

    /// Serves the previous serving version of `name` again and returns it.
    /// - Throws: `ServeError.conflict` when there is none or it is no longer ready.
    public func rollback(_ name: String) throws(ServeError) -> Int {
        let previous: Int? = lock.withLock { models[name]?.previous }
        guard status(of: name) != nil else { throw .notFound("no model named '\(name)'") }
        guard let previous else { throw .conflict("model '\(name)' has no previous serving version to roll back to") }
        try serve(name, version: previous)
        return previous
    }

    /// Unloads `version` of `name` (its state becomes "unloaded").
    /// - Throws: `ServeError.conflict` for the serving version, `.notFound` for an unknown one.
    public func unload(_ name: String, version: Int) throws(ServeError) {
        try lock.locked { () throws(ServeError) in
            guard var entry = models[name] else { throw .notFound("no model named '\(name)'") }
            guard entry.versions[version] != nil else { throw .notFound("model '\(name)' has no version \(version)") }
            guard entry.serving != version else {
                throw .conflict("version \(version) serves model '\(name)'; serve another version before unloading it")
            }
            entry.versions[version]?.state = .unloaded
            if entry.previous == version { entry.previous = nil }
            models[name] = entry
        }
    }

    /// Whether `version` of `name` has a directory on disk.
    func versionDirectoryExists(_ name: String, version: Int) -> Bool {
        var isDirectory: ObjCBool = false
        let url = directory.appendingPathComponent(name).appendingPathComponent(String(version))
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}

/// A model's versions as `GET /v1/models` reports them.
public struct ModelStatus: Sendable {
    /// The model's name (its directory's).
    public var name: String
    /// The version answering requests that name none.
    public var servingVersion: Int?
    /// The version `rollback` returns to.
    public var previousVersion: Int?
    /// Every version found, in order, with its state ("loading", "ready", "failed: reason", "unloaded").
    public var versions: [(version: Int, state: String)]
}

/// A model repository that cannot be used.
public struct ServeRepositoryError: Error, Sendable, CustomStringConvertible {
    /// The directory.
    public var path: String
    /// What is wrong.
    public var reason: String

    /// An error.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// "model repository models: not a directory ...".
    public var description: String { "model repository \(path): \(reason)" }
}
