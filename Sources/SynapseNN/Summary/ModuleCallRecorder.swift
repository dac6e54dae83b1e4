import SynapseCore
import Synchronization

/// Collects the module calls of one forward pass for `Module.summary`: every layer and model
/// reports its `callAsFunction` through `Module.recordingCall(_:)`, which the recorder turns into
/// one row per call, in execution order, with the call's nesting depth and output shapes.
///
/// Cost when no summary runs: `recordingCall` reads one atomic counter and calls its body. The
/// recorder itself is bound to the calling task (a task-local), so a summary on one thread never
/// sees the calls of models running on other threads.
package final class ModuleCallRecorder: @unchecked Sendable {
    // @unchecked: a recorder is created, filled and read by the one task that bound it (the calls
    // it records run synchronously inside `summary`), never shared.

    /// One recorded call: which module, how deep, and the shapes it returned.
    package struct Call {
        /// The module called.
        package let module: Module
        /// Nesting depth: 0 for the module `summary` was called on.
        package let depth: Int
        /// Shapes of the tensors the call returned (several for tuples, e.g. an LSTM's output and state).
        package var outputShapes: [[Int]] = []
    }

    /// The calls so far, in the order they began.
    package private(set) var calls: [Call] = []
    /// The modules whose calls are running, outermost first (their count is the next call's depth).
    private var open: [ObjectIdentifier] = []

    /// The recorder bound to the current task, if a summary is running on it.
    @TaskLocal package static var current: ModuleCallRecorder?

    /// Number of recorders bound anywhere: while 0 (always, outside `summary`) no task-local is read.
    private static let activeCount = Atomic<Int>(0)

    package init() {}

    /// Runs `body` with this recorder bound to the current task.
    package func recording<T>(_ body: () throws -> T) rethrows -> T {
        Self.activeCount.add(1, ordering: .relaxed)
        defer { Self.activeCount.subtract(1, ordering: .relaxed) }
        return try Self.$current.withValue(self) { try body() }
    }

    /// True while some recorder is bound (on any task); the one check a call pays otherwise.
    @inline(__always)
    package static var isActive: Bool { activeCount.load(ordering: .relaxed) > 0 }

    /// Records the call of `module` around `body`. A module calling itself again inside its own
    /// call (one overload forwarding to another, or `summary` recording the model it runs, whose
    /// own `callAsFunction` records too) keeps the one row.
    package func record<T>(_ module: Module, _ body: () throws -> T) rethrows -> T {
        let id = ObjectIdentifier(module)
        if open.last == id { return try body() }
        let index = calls.count
        calls.append(Call(module: module, depth: open.count))
        open.append(id)
        defer { open.removeLast() }
        let output = try body()
        calls[index].outputShapes = Self.shapes(of: output)
        return output
    }

    /// The shapes of the tensors in `value`: a tensor, or tuples and optionals of tensors (nested).
    static func shapes(of value: Any) -> [[Int]] {
        if let t = value as? Tensor { return [t.shape] }
        if let t = value as? IntTensor { return [t.shape] }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .tuple, .optional, .collection: return mirror.children.flatMap { shapes(of: $0.value) }
        default: return []
        }
    }
}

extension Module {
    /// Runs `body`, the module's forward pass, reporting it to a running `Module.summary` (if any)
    /// as a call of this module, so that it gets its own row with its output shapes. Every built-in
    /// layer and model wraps its `callAsFunction` body in it; a custom layer does the same to be
    /// listed (without, its sub-layers are listed, one level up):
    ///
    /// ```swift
    /// func callAsFunction(_ x: Tensor) -> Tensor {
    ///     recordingCall { fc2(relu(fc1(x))) }
    /// }
    /// ```
    ///
    /// Outside a summary it costs one atomic load.
    @inline(__always)
    public func recordingCall<T>(_ body: () throws -> T) rethrows -> T {
        guard ModuleCallRecorder.isActive, let recorder = ModuleCallRecorder.current else { return try body() }
        return try recorder.record(self, body)
    }
}
