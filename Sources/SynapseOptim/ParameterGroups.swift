import SynapseCore
import SynapseNN

/// Parameters that share a learning rate and weight decay (one of PyTorch's `param_groups`).
public struct ParameterGroup {
    /// The parameters.
    public var parameters: [Parameter]
    /// The group's initial learning rate.
    public var learningRate: Double
    /// The group's weight decay.
    public var weightDecay: Double
    /// A label for logs ("encoder", "head", "no_decay").
    public var name: String

    /// A group.
    public init(_ parameters: [Parameter], learningRate: Double, weightDecay: Double = 0, name: String = "") {
        self.parameters = parameters
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.name = name
    }
}

/// An optimizer over several parameter groups with their own learning rates and weight decay, as
/// PyTorch's `torch.optim.AdamW([{"params": encoder, "lr": 2e-5}, {"params": head, "lr": 1e-3}])`:
/// one optimizer of the same kind per group, stepped together.
///
/// `learningRate` is the first group's; setting it (as every scheduler does) rescales every group by
/// the same factor relative to its initial rate, so a schedule shapes all groups as PyTorch's
/// schedulers do (each group follows `initial_lr × factor(step)`).
///
/// ```
/// let (decay, noDecay) = classifier.bert.weightDecayGroups()
/// let optimizer = GroupedOptimizer(groups: [
///     ParameterGroup(decay, learningRate: 2e-5, weightDecay: 0.01, name: "encoder"),
///     ParameterGroup(noDecay, learningRate: 2e-5, name: "encoder_no_decay"),
///     ParameterGroup(classifier.classifier.parameters(), learningRate: 1e-3, name: "head"),
/// ]) { AdamW($0.parameters, learningRate: $0.learningRate, weightDecay: $0.weightDecay) }
/// ```
public final class GroupedOptimizer: Optimizer {
    /// The groups as given (their `learningRate` is the initial rate).
    public let groups: [ParameterGroup]
    /// One optimizer per group, in order.
    public let optimizers: [any Optimizer]

    /// Builds one optimizer per group with `make`. Groups may not share a parameter.
    public init(groups: [ParameterGroup], make: (ParameterGroup) -> any Optimizer) {
        require(!groups.isEmpty, "GroupedOptimizer: at least one parameter group is needed")
        var seen = Set<ObjectIdentifier>()
        for g in groups {
            require(g.learningRate > 0 || groups.count == 1, "GroupedOptimizer: group '\(g.name)' has learning rate \(g.learningRate)")
            for p in g.parameters {
                require(seen.insert(ObjectIdentifier(p)).inserted, "GroupedOptimizer: a parameter appears in two groups ('\(g.name)')")
            }
        }
        self.groups = groups
        optimizers = groups.map(make)
    }

    /// Every group's parameters, in group order.
    public var parameters: [Parameter] { optimizers.flatMap(\.parameters) }

    /// The first group's learning rate; setting it scales every group by the same factor relative
    /// to its initial rate.
    public var learningRate: Double {
        get { optimizers[0].learningRate }
        set {
            let factor = groups[0].learningRate == 0 ? 0 : newValue / groups[0].learningRate
            for (g, o) in zip(groups, optimizers) { o.learningRate = g.learningRate * factor }
        }
    }

    /// The current learning rate of each group.
    public var groupLearningRates: [Double] { optimizers.map(\.learningRate) }

    /// Steps every group's optimizer.
    public func step() { for o in optimizers { o.step() } }

    /// Each group's state under the prefix `group<i>.`.
    public func stateDict() -> [String: Tensor] {
        var d: [String: Tensor] = [:]
        for (i, o) in optimizers.enumerated() { for (k, v) in o.stateDict() { d["group\(i).\(k)"] = v } }
        return d
    }

    /// Restores `stateDict()` output.
    public func loadStateDict(_ state: [String: Tensor]) throws(OptimizerError) {
        for key in state.keys where !key.hasPrefix("group") || Int(key.dropFirst(5).prefix { $0 != "." }).map({ $0 >= optimizers.count }) ?? true {
            throw .invalidState("'\(key)' names no parameter group of \(optimizers.count)")
        }
        for (i, o) in optimizers.enumerated() {
            let prefix = "group\(i)."
            var part: [String: Tensor] = [:]
            for (k, v) in state where k.hasPrefix(prefix) { part[String(k.dropFirst(prefix.count))] = v }
            try o.loadStateDict(part)
        }
    }
}
