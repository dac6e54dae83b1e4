import SynapseCore
import SynapseNN

/// What Integrated Gradients and occlusion compare an input against.
public enum AttributionBaseline: Sendable {
    /// Every value zero (a black image; the training mean for standardized tabular features).
    case zeros
    /// Every value the same constant.
    case constant(Float)
    /// One reference example, the shape of a single input ([1, ...] or without the batch axis).
    case example(Tensor)

    /// The baseline as a batch the shape of `inputs`.
    func expanded(like inputs: Tensor) throws(ExplanationError) -> Tensor {
        switch self {
        case .zeros: return Tensor.zeros(inputs.shape)
        case .constant(let value):
            guard value.isFinite else { throw .invalidSettings("baseline value must be finite, got \(value)") }
            return Tensor(shape: inputs.shape, scalars: Array(repeating: value, count: inputs.count))
        case .example(let b):
            let size = inputs.count / inputs.shape[0]
            let exampleShape = Array(inputs.shape.dropFirst())
            guard b.shape == exampleShape || b.shape == [1] + exampleShape else {
                throw .invalidData("baseline shape \(b.shape) does not fit inputs \(inputs.shape) (one example is \(exampleShape))")
            }
            let values = b.contiguous().scalars
            guard values.count == size, values.allSatisfy(\.isFinite) else { throw .invalidData("baseline values must be finite") }
            return Tensor(shape: inputs.shape, scalars: Array((0..<inputs.shape[0]).map { _ in values }.joined()))
        }
    }

    /// Short name in reports and JSON.
    public var description: String {
        switch self {
        case .zeros: "zeros"
        case .constant(let v): "constant \(v)"
        case .example: "reference example"
        }
    }
}

/// Integrated Gradients (Sundararajan et al. 2017): (x − b) × ∫₀¹ ∇f(b + α(x − b)) dα, the
/// attribution that adds up to f(x) − f(b) (completeness). Matches Captum's
/// `IntegratedGradients.attribute(baselines:, n_steps:, method:)`, convergence delta included.
///
/// With `steps` nil the step count adapts: it starts at Captum's 50 and doubles (up to
/// `maxSteps`) until every example's completeness error |Σ attributions − (f(x) − f(b))| /
/// |f(x) − f(b)| is at most `tolerance` — a ReLU network is only piecewise smooth along the path, so
/// no fixed count guarantees completeness.
public struct IntegratedGradients: AttributionMethod {
    /// What the path starts from.
    public var baseline: AttributionBaseline
    /// Fixed integration steps, or nil to adapt them to `tolerance`.
    public var steps: Int?
    /// The quadrature rule.
    public var rule: IntegrationRule
    /// The completeness error the adaptive step count aims for (a fraction: 0.01 is 1%).
    public var tolerance: Double
    /// The most steps the adaptive count reaches.
    public var maxSteps: Int

    /// The steps the adaptive count starts from (Captum's default).
    public static let initialSteps = 50

    /// Integrated Gradients from `baseline`, with `steps` fixed or adaptive (nil).
    public init(baseline: AttributionBaseline = .zeros, steps: Int? = nil, rule: IntegrationRule = .gaussLegendre,
                tolerance: Double = 0.01, maxSteps: Int = 1600) {
        self.baseline = baseline
        self.steps = steps
        self.rule = rule
        self.tolerance = tolerance
        self.maxSteps = maxSteps
    }

    /// `integrated_gradients`.
    public var name: String { "integrated_gradients" }

    /// Attributions, with the convergence delta and the steps used.
    public func attribute(_ model: any Layer, inputs: Tensor, targets: [Int]) throws(ExplanationError) -> Attribution {
        if let steps, !(1...100_000).contains(steps) { throw .invalidSettings("Integrated Gradients steps must be 1 to 100000, got \(steps)") }
        guard tolerance > 0, tolerance.isFinite else { throw .invalidSettings("completeness tolerance must be > 0, got \(tolerance)") }
        guard maxSteps >= 1 else { throw .invalidSettings("maxSteps must be ≥ 1, got \(maxSteps)") }
        try TargetOutputs.validate(model, inputs: inputs, targets: targets)
        let base = try baseline.expanded(like: inputs)
        var count = steps ?? min(Self.initialSteps, maxSteps)
        while true {
            let result = integrate(model, inputs: inputs, baseline: base, targets: targets, steps: count)
            guard steps == nil, count < maxSteps, let errors = result.completenessError, errors.contains(where: { $0 > tolerance }) else {
                return result
            }
            count = min(count * 2, maxSteps)
        }
    }

    /// One evaluation with a fixed step count.
    func integrate(_ model: any Layer, inputs: Tensor, baseline: Tensor, targets: [Int], steps: Int) -> Attribution {
        let (alphas, weights) = rule.nodes(steps: steps)
        let x = inputs.contiguous().scalars, b = baseline.contiguous().scalars
        let n = inputs.shape[0], size = x.count / n
        var sums = [Double](repeating: 0, count: x.count)
        // Chunks of path points so memory stays bounded whatever the step count: each chunk is one
        // batch of `pointsPerPass` points for every example.
        let pointsPerPass = max(1, TargetOutputs.chunkSize * 4 / max(n, 1))
        var start = 0
        while start < steps {
            let end = min(start + pointsPerPass, steps)
            var path: [Float] = []
            path.reserveCapacity((end - start) * x.count)
            for k in start..<end {
                let a = Float(alphas[k])
                path += zip(x, b).map { xi, bi in bi + a * (xi - bi) }
            }
            let batch = Tensor(shape: [(end - start) * n] + inputs.shape.dropFirst(), scalars: path)
            let repeated = Array(repeating: targets, count: end - start).flatMap { $0 }
            let g = TargetOutputs.gradient(model, inputs: batch, targets: repeated).gradient.scalars
            for k in start..<end {
                let w = weights[k], offset = (k - start) * x.count
                for i in 0..<x.count { sums[i] += w * Double(g[offset + i]) }
            }
            start = end
        }
        var values = [Float](repeating: 0, count: x.count)
        var totals = [Double](repeating: 0, count: n)
        for i in 0..<x.count {
            let a = Double(x[i] - b[i]) * sums[i]
            values[i] = Float(a)
            totals[i / size] += a
        }
        let fx = TargetOutputs.logits(model, inputs: inputs, targets: targets)
        let fb = TargetOutputs.logits(model, inputs: baseline, targets: targets)
        let delta = (0..<n).map { totals[$0] - (fx[$0] - fb[$0]) }
        return Attribution(values: Tensor(shape: inputs.shape, scalars: values), method: name, targets: targets, outputs: fx,
                           baselineOutputs: fb, convergenceDelta: delta, steps: steps)
    }
}
