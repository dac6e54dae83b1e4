import SynapseCore
import SynapseNN

/// Updates parameters from their gradients (PyTorch `torch.optim.Optimizer`).
public protocol Optimizer: AnyObject {
    /// The parameters updated by `step()`.
    var parameters: [Parameter] { get }
    /// The learning rate used by the next `step()` (schedules change it). `Double` like every
    /// training hyperparameter; optimizers convert it to `Float` where it meets the parameters.
    var learningRate: Double { get set }
    /// Applies one update using the current gradients; parameters without a gradient are skipped.
    func step()
    /// Optimizer state (moment buffers, step counts) by name, for checkpoints.
    func stateDict() -> [String: Tensor]
    /// Restores state saved by `stateDict()`.
    func loadStateDict(_ state: [String: Tensor]) throws(OptimizerError)
}

extension Optimizer {
    /// Clears the gradients of all parameters.
    public func zeroGrad() { parameters.forEach { $0.zeroGrad() } }
}

/// Stops with a message when parameter `index` has a row-sparse gradient: the dense optimizers
/// read `grad` only, so an `Embedding(sparse: true)` table would otherwise never move, silently.
func requireDenseGradient(_ p: Parameter, index: Int, _ optimizer: String) {
    require(p.sparseGrad == nil, "\(optimizer): parameter \(index) of shape \(p.shape) has a row-sparse gradient "
            + "(Embedding(sparse: true)); train it with SparseAdam")
}

/// An optimizer whose momentum term a schedule may change between steps (SGD's `momentum`,
/// Adam's β₁), as PyTorch's `OneCycleLR(cycle_momentum=True)` does.
public protocol MomentumScheduling: Optimizer {
    /// The momentum term used by the next `step()`.
    var scheduledMomentum: Double { get set }
}

/// Errors from restoring optimizer state.
public enum OptimizerError: Error, CustomStringConvertible, Equatable {
    /// A state tensor has the wrong shape or is missing.
    case invalidState(String)

    /// Human-readable explanation.
    public var description: String {
        switch self { case .invalidState(let m): return "invalid optimizer state: \(m)" }
    }
}

/// Per-parameter state storage shared by the optimizers: named buffers for parameter `i`.
struct ParameterState {
    private(set) var buffers: [Int: [String: Tensor]] = [:]

    /// The buffer `name` of parameter `i`, created as zeros shaped like `shape` on first use.
    mutating func buffer(_ i: Int, _ name: String, shape: [Int]) -> Tensor {
        if let t = buffers[i]?[name] { return t }
        let t = Tensor.zeros(shape)
        buffers[i, default: [:]][name] = t
        return t
    }

    mutating func set(_ i: Int, _ name: String, _ t: Tensor) { buffers[i, default: [:]][name] = t }
    func get(_ i: Int, _ name: String) -> Tensor? { buffers[i]?[name] }
    mutating func remove(_ i: Int, _ name: String) { buffers[i]?[name] = nil }

    /// Flattened as "index.name".
    func export() -> [String: Tensor] {
        var d: [String: Tensor] = [:]
        for (i, b) in buffers { for (n, t) in b { d["\(i).\(n)"] = t } }
        return d
    }

    /// `export()` plus each parameter's step count as "index.step" (the state dict of the optimizers
    /// that count steps per parameter: Adam, Adagrad, RMSprop).
    func export(steps: [Int: Int]) -> [String: Tensor] {
        var d = export()
        for (i, t) in steps { d["\(i).step"] = Tensor(Float(t)) }
        return d
    }

    /// Restores `export(steps:)` output: the buffers, and the step counts separated from them.
    static func restoreWithSteps(_ state: [String: Tensor], parameters: [Parameter]) throws(OptimizerError)
        -> (state: ParameterState, steps: [Int: Int]) {
        var restored = try restore(state, parameters: parameters)
        var steps: [Int: Int] = [:]
        for i in parameters.indices {
            if let t = restored.get(i, "step") {
                // A count read from a file: one integer, converted without trapping.
                guard t.count == 1, let n = t.contiguous().scalars[0].exactCount else {
                    throw .invalidState("'\(i).step' must be one integer in 0...2^40")
                }
                steps[i] = n
                restored.remove(i, "step")
            }
        }
        return (restored, steps)
    }

    /// Restores from `export()` output, checking shapes against `parameters`.
    static func restore(_ state: [String: Tensor], parameters: [Parameter]) throws(OptimizerError) -> ParameterState {
        var s = ParameterState()
        for (key, t) in state {
            let parts = key.split(separator: ".", maxSplits: 1)
            guard parts.count == 2, let i = Int(parts[0]) else { continue }
            guard i >= 0 && i < parameters.count else { throw .invalidState("'\(key)' refers to parameter \(i) of \(parameters.count)") }
            let name = String(parts[1])
            if name != "step" && t.shape != parameters[i].shape {
                throw .invalidState("'\(key)' has shape \(t.shape) but parameter \(i) has shape \(parameters[i].shape)")
            }
            s.set(i, name, t)
        }
        return s
    }
}
