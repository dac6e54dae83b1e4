import SynapseCore
import SynapseNN

/// The primitives every attribution method is built from: a model's target logits, and their
/// gradient with respect to its inputs, evaluated in chunks so that Integrated Gradients' or
/// SmoothGrad's many copies of an input never form one huge batch.
enum TargetOutputs {
    /// Rows per forward or backward pass.
    static let chunkSize = 64

    /// Checks that `targets` name one valid class per example of `inputs`.
    static func check(inputs: Tensor, targets: [Int], classes: Int?) throws(ExplanationError) {
        guard inputs.rank >= 2, inputs.shape[0] > 0 else {
            throw .invalidData("inputs must be a non-empty batch [N, ...], got \(inputs.shape)")
        }
        guard targets.count == inputs.shape[0] else {
            throw .invalidData("\(targets.count) targets for \(inputs.shape[0]) examples")
        }
        if let bad = targets.first(where: { t in t < 0 || (classes.map { t >= $0 } ?? false) }) {
            throw .invalidData("target class \(bad) outside 0..<\(classes ?? 0)")
        }
    }

    /// Checks the batch shape and target count, then (one forward pass) that every target is one
    /// of the model's outputs; returns the output count.
    @discardableResult
    static func validate(_ model: any Layer, inputs: Tensor, targets: [Int]) throws(ExplanationError) -> Int {
        try check(inputs: inputs, targets: targets, classes: nil)
        let classes = classCount(model, inputs: inputs)
        try check(inputs: inputs, targets: targets, classes: classes)
        return classes
    }

    /// The logits `targets[n]` of `model(inputs)[n]`, without recording gradients.
    static func logits(_ model: any Layer, inputs: Tensor, targets: [Int]) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(targets.count)
        forEachChunk(inputs.shape[0]) { range in
            let z = withoutGradients { model(rows(inputs, range)) }.contiguous()
            let classes = z.shape[1], scalars = z.scalars
            for (row, n) in range.enumerated() { out.append(Double(scalars[row * classes + targets[n]])) }
        }
        return out
    }

    /// The class count of `model`'s output, from one forward pass of the first example.
    static func classCount(_ model: any Layer, inputs: Tensor) -> Int {
        withoutGradients { model(rows(inputs, 0..<1)) }.shape.last ?? 0
    }

    /// ∂ logit_{targets[n]}(inputs[n]) / ∂ inputs[n] for every example (same shape as `inputs`), and
    /// the target logits. Parameters' gradients are put back as they were.
    static func gradient(_ model: any Layer, inputs: Tensor, targets: [Int]) -> (gradient: Tensor, logits: [Double]) {
        let parameters = model.parameters()
        let saved = parameters.map { ($0.value.grad, $0.sparseGrad) }
        defer { for (p, g) in zip(parameters, saved) { p.value.grad = g.0; p.sparseGrad = g.1 } }
        let size = inputs.count / inputs.shape[0]
        var gradient = [Float](repeating: 0, count: inputs.count)
        var logits: [Double] = []
        forEachChunk(inputs.shape[0]) { range in
            withGradients {
                let x = rows(inputs, range).detached().contiguous().requiringGrad()
                let z = model(x)
                let classes = z.shape[1]
                var mask = [Float](repeating: 0, count: range.count * classes)
                for (row, n) in range.enumerated() { mask[row * classes + targets[n]] = 1 }
                let selected = (z * Tensor(shape: z.shape, scalars: mask)).sum()
                let zs = z.detached().contiguous().scalars
                for (row, n) in range.enumerated() { logits.append(Double(zs[row * classes + targets[n]])) }
                guard selected.requiresGrad else { return }
                selected.backward()
                if let g = x.grad?.contiguous().scalars {
                    gradient.replaceSubrange((range.lowerBound * size)..<(range.upperBound * size), with: g)
                }
            }
        }
        return (Tensor(shape: inputs.shape, scalars: gradient), logits)
    }

    /// Rows `range` of `inputs`.
    static func rows(_ inputs: Tensor, _ range: Range<Int>) -> Tensor {
        if range.lowerBound == 0 && range.count == inputs.shape[0] { return inputs }
        return inputs.slice(dim: 0, start: range.lowerBound, end: range.upperBound)
    }

    private static func forEachChunk(_ count: Int, _ body: (Range<Int>) -> Void) {
        var start = 0
        while start < count {
            let end = min(start + chunkSize, count)
            body(start..<end)
            start = end
        }
    }
}
