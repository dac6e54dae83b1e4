import Foundation

/// The first non-finite value that anomaly detection saw: the op that produced it, in which pass,
/// and the shapes involved (PyTorch's `detect_anomaly` report).
public struct AnomalyReport: Error, CustomStringConvertible, Equatable, Sendable {
    /// Which pass produced the value.
    public enum Pass: String, Sendable {
        /// The op's result.
        case forward
        /// A gradient returned by the op's vector-Jacobian product.
        case backward
    }

    /// Name of the op (`log`, `matmul`, `crossEntropy`, …).
    public let op: String
    /// Forward output or backward gradient.
    public let pass: Pass
    /// Shape of the non-finite tensor (the output, or the gradient of input `inputIndex`).
    public let shape: [Int]
    /// Shapes of the op's inputs.
    public let inputShapes: [[Int]]
    /// Backward only: which input's gradient was non-finite.
    public let inputIndex: Int?
    /// Whether what the op consumed was all finite: its inputs (forward) or the incoming gradient
    /// (backward). False means the op only passed on an earlier non-finite value.
    public let consumedFinite: Bool
    /// The first non-finite value (NaN, inf or -inf) and its flat index.
    public let value: Float
    /// Flat (row-major) index of `value`.
    public let index: Int
    /// How many elements were non-finite.
    public let nonFiniteCount: Int

    /// Human-readable explanation naming the op and the shapes.
    public var description: String {
        let what = "\(value) at flat index \(index), \(nonFiniteCount) of \(shape.reduce(1, *)) elements"
        let inputs = inputShapes.map { "\($0)" }.joined(separator: ", ")
        switch pass {
        case .forward:
            return "anomaly detection: op '\(op)' produced a non-finite output (\(what)) of shape \(shape) "
                + "from inputs of shapes [\(inputs)] that were \(consumedFinite ? "all finite" : "already non-finite") (forward pass)"
        case .backward:
            return "anomaly detection: the backward of op '\(op)' produced a non-finite gradient (\(what)) of shape \(shape) "
                + "for its input \(inputIndex ?? 0) (inputs of shapes [\(inputs)]) from an incoming gradient that was "
                + "\(consumedFinite ? "finite" : "already non-finite") (backward pass)"
        }
    }
}

/// Collects the first `AnomalyReport` of a scope; shared by every op that runs in it (thread-safe,
/// since kernels may record from pool threads).
public final class AnomalyDetector: @unchecked Sendable {
    private let lock = NSLock()
    private var first: AnomalyReport?

    /// An empty detector.
    public init() {}

    /// The first anomaly seen, if any.
    public var report: AnomalyReport? { lock.withLock { first } }

    /// Forgets the recorded anomaly.
    public func reset() { lock.withLock { first = nil } }

    /// Keeps `report` unless an earlier one is already kept: the first op to go non-finite is the
    /// one to blame; later ones usually just pass its NaN on.
    func record(_ report: AnomalyReport) { lock.withLock { if first == nil { first = report } } }

    /// Checks an op's output (called by `Tensor.recorded`; only while detection is on).
    func checkForward(op: String, output: Tensor, inputs: [Tensor]) {
        guard report == nil, let bad = output.firstNonFinite() else { return }
        record(AnomalyReport(op: op, pass: .forward, shape: output.shape, inputShapes: inputs.map(\.shape), inputIndex: nil,
                             consumedFinite: inputs.allSatisfy(\.isAllFinite), value: bad.value, index: bad.index,
                             nonFiniteCount: bad.count))
    }

    /// Checks the gradients a VJP returned (called by `backward()`; only while detection is on).
    func checkBackward(op: String, inputShapes: [[Int]], upstream: Tensor, gradients: [Tensor?]) {
        guard report == nil else { return }
        for (i, g) in gradients.enumerated() {
            guard let g, let bad = g.firstNonFinite() else { continue }
            record(AnomalyReport(op: op, pass: .backward, shape: g.shape, inputShapes: inputShapes,
                                 inputIndex: i, consumedFinite: upstream.isAllFinite, value: bad.value, index: bad.index,
                                 nonFiniteCount: bad.count))
            return
        }
    }
}

/// Anomaly mode (PyTorch `torch.autograd.detect_anomaly`): while on, every op's forward result and
/// every gradient its VJP returns is checked, and the first non-finite one is kept as an
/// `AnomalyReport` naming the op and the shapes.
///
/// Turn it on for a scope with `withAnomalyDetection { … }` or for the whole process with the
/// environment variable `SYNAPSE_DETECT_ANOMALY=1`. Since ops and `backward()` do not throw, the
/// report is surfaced by `withAnomalyDetection` (which throws it at the end of the scope), by
/// `Tensor.backwardChecked()`, and by the training loops (as `TrainingError.anomaly`). Off, it costs
/// one task-local read per op; on, a scalar scan of every result (debugging only).
public enum AnomalyDetection {
    /// The detector of the current scope; nil when anomaly mode is off.
    @TaskLocal public static var detector: AnomalyDetector? = environmentDetector

    /// The process-wide detector when `SYNAPSE_DETECT_ANOMALY` is `1` or `true`.
    static let environmentDetector: AnomalyDetector? = {
        let value = ProcessInfo.processInfo.environment["SYNAPSE_DETECT_ANOMALY"]?.lowercased()
        return value == "1" || value == "true" ? AnomalyDetector() : nil
    }()

    /// True while anomaly mode is on.
    public static var isEnabled: Bool { detector != nil }

    /// The first anomaly recorded in the current scope, if any.
    public static var firstAnomaly: AnomalyReport? { detector?.report }
}

/// Runs `body` in anomaly mode with a fresh detector; throws the first `AnomalyReport` it recorded
/// (after `body` returns), or `body`'s own error.
@discardableResult
public func withAnomalyDetection<T>(_ body: () throws -> T) throws -> T {
    let detector = AnomalyDetector()
    let result = try AnomalyDetection.$detector.withValue(detector) { try body() }
    if let report = detector.report { throw report }
    return result
}

extension Tensor {
    /// `backward(_:)` with the backward pass checked for non-finite gradients; throws the first
    /// anomaly: one recorded earlier in the enclosing `withAnomalyDetection` scope (a forward op,
    /// then backward is not run), else the first VJP that returned a non-finite gradient.
    public func backwardChecked(_ upstream: Tensor? = nil) throws(AnomalyReport) {
        if let detector = AnomalyDetection.detector {
            if let report = detector.report { throw report }
            backward(upstream)
            if let report = detector.report { throw report }
        } else {
            let detector = AnomalyDetector()
            AnomalyDetection.$detector.withValue(detector) { backward(upstream) }
            if let report = detector.report { throw report }
        }
    }
}
