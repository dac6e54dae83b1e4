import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Synapse
@testable import SynapseEval

/// Attributions against Captum on the same models, inputs and settings
/// (`scripts/make-explain-fixtures.py`: a small CNN on 8×8 images and an MLP on 8 tabular features),
/// KernelSHAP against exact Shapley values and statistically against Captum's sampled estimate, and
/// counterfactual search against the closed-form answer of a linear model.
///
/// Tolerances. Gradients and occlusion match Captum to 10⁻⁵ of the largest attribution (float32
/// forward and backward passes in a different order). Integrated Gradients sums 32-50 gradients: 10⁻⁴
/// relative, and its convergence delta to 10⁻⁴ absolute. Exact KernelSHAP equals the brute-force
/// Shapley values to 10⁻⁴ (float32 logits averaged in Double). Sampled KernelSHAP with 2000 coalitions
/// must be no further from the exact values than 3× Captum's estimate with the same sample count.
@Suite struct ExplanationTests {
    struct Fixture {
        let file: SafeTensorsArchive
        let cnn: CNNClassifier
        let mlp: MLPClassifier
        let images: Tensor
        let imageTargets: [Int]
        let rows: Tensor
        let rowTargets: [Int]

        init() throws {
            guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { throw Golden.Failure("no Fixtures") }
            let url = dir.appendingPathComponent("explain/attributions.safetensors")
            file = try SafeTensors.load(from: url)
            cnn = CNNClassifier(channels: 1, size: 8, classes: 3, widths: [4, 8, 16], generator: RandomGenerator(seed: 0))
            try cnn.load(from: url, strict: false)
            mlp = MLPClassifier(inputSize: 8, hiddenSizes: [16], classes: 3, generator: RandomGenerator(seed: 0))
            try mlp.load(from: url, strict: false)
            cnn.eval()
            mlp.eval()
            images = try file.tensor("image_x")
            imageTargets = try file.intTensor("image_target").scalars
            rows = try file.tensor("tab_x")
            rowTargets = try file.intTensor("tab_target").scalars
        }

        func expect(_ a: Attribution, _ key: String, relative: Float = 1e-5) throws {
            let expected = try file.tensor(key).scalars
            #expect(a.values.shape == (try file.tensor(key).shape), "\(key) shape")
            let scale = expected.map(abs).max() ?? 1
            let worst = zip(a.values.scalars, expected).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= relative * scale, "\(key): largest difference \(worst) against a largest value \(scale)")
        }
    }

    @Test func modelsReproduceTheFixtureLogits() throws {
        let f = try Fixture()
        let image = withoutGradients { f.cnn(f.images) }.scalars, tab = withoutGradients { f.mlp(f.rows) }.scalars
        for (got, want) in zip(image + tab, try f.file.tensor("image_logits").scalars + f.file.tensor("tab_logits").scalars) {
            #expect(abs(got - want) < 1e-5)
        }
    }

    @Test func gradientMethodsMatchCaptum() throws {
        let f = try Fixture()
        try f.expect(try Saliency().attribute(f.cnn, inputs: f.images, targets: f.imageTargets), "saliency")
        try f.expect(try Saliency(absolute: false).attribute(f.cnn, inputs: f.images, targets: f.imageTargets), "saliency_signed")
        try f.expect(try InputXGradient().attribute(f.cnn, inputs: f.images, targets: f.imageTargets), "input_x_gradient")
    }

    @Test func gradientMatchesFiniteDifferences() throws {
        let f = try Fixture()
        let x = f.rows.slice(dim: 0, start: 0, end: 1).contiguous()
        let g = try Saliency(absolute: false).attribute(f.mlp, inputs: x, targets: [2]).values.scalars
        let h: Float = 1e-2
        for i in 0..<8 {
            var plus = x.scalars, minus = x.scalars
            plus[i] += h
            minus[i] -= h
            let fp = TargetOutputs.logits(f.mlp, inputs: Tensor(shape: [1, 8], scalars: plus), targets: [2])[0]
            let fm = TargetOutputs.logits(f.mlp, inputs: Tensor(shape: [1, 8], scalars: minus), targets: [2])[0]
            #expect(abs(Double(g[i]) - (fp - fm) / Double(2 * h)) < 2e-3, "feature \(i)")
        }
    }

    @Test func gaussLegendreNodesMatchNumPy() throws {
        let f = try Fixture()
        let (alphas, weights) = IntegrationRule.gaussLegendre.nodes(steps: 50)
        for (a, e) in zip(alphas, try f.file.tensor("ig_gausslegendre_nodes_50").scalars) { #expect(abs(a - Double(e)) < 1e-7) }
        for (w, e) in zip(weights, try f.file.tensor("ig_gausslegendre_weights_50").scalars) { #expect(abs(w - Double(e)) < 1e-7) }
        #expect(abs(weights.reduce(0, +) - 1) < 1e-12)
        // Exact for polynomials of degree 2n − 1: ∫₀¹ α⁹⁹ dα = 1/100.
        #expect(abs(zip(alphas, weights).map { pow($0, 99) * $1 }.reduce(0, +) - 0.01) < 1e-12)
        for rule in IntegrationRule.allCases {
            let (a, w) = rule.nodes(steps: 7)
            #expect(a.count == 7 && abs(w.reduce(0, +) - 1) < 1e-12 && a.allSatisfy { (0...1).contains($0) }, "\(rule)")
        }
    }

    @Test func integratedGradientsMatchCaptum() throws {
        let f = try Fixture()
        let gl = try IntegratedGradients(steps: 50, rule: .gaussLegendre).attribute(f.cnn, inputs: f.images, targets: f.imageTargets)
        try f.expect(gl, "ig_gausslegendre_50", relative: 1e-4)
        for (d, e) in zip(gl.convergenceDelta!, try f.file.tensor("ig_gausslegendre_50_delta").scalars) { #expect(abs(d - Double(e)) < 1e-4) }
        let baseline = try f.file.tensor("image_baseline")
        // Captum's trapezoid weights are 1/n (halved at the ends), summing to (n − 1)/n rather than 1;
        // ours are the trapezoid rule's 1/(n − 1), so Captum's attributions are ours × (n − 1)/n.
        let trapezoid = try IntegratedGradients(baseline: .example(baseline), steps: 32, rule: .riemannTrapezoid)
            .attribute(f.cnn, inputs: f.images, targets: f.imageTargets)
        let shrunk = Attribution(values: Tensor(shape: trapezoid.values.shape, scalars: trapezoid.values.scalars.map { $0 * 31 / 32 }),
                                 method: trapezoid.method, targets: trapezoid.targets, outputs: trapezoid.outputs)
        try f.expect(shrunk, "ig_trapezoid_32_baseline", relative: 1e-4)
        for n in 0..<4 {
            let captumDelta = Double(try f.file.tensor("ig_trapezoid_32_baseline_delta").scalars[n])
            let sum = shrunk.example(n).reduce(0) { $0 + Double($1) }
            #expect(abs(sum - (trapezoid.outputs[n] - trapezoid.baselineOutputs![n]) - captumDelta) < 1e-5)
        }
    }

    @Test func adaptiveIntegratedGradientsMeetTheCompletenessTolerance() throws {
        let f = try Fixture()
        for (rule, tolerance) in [(IntegrationRule.gaussLegendre, 0.01), (.riemannTrapezoid, 0.01), (.gaussLegendre, 0.002)] {
            let a = try IntegratedGradients(rule: rule, tolerance: tolerance).attribute(f.cnn, inputs: f.images, targets: f.imageTargets)
            let errors = try #require(a.completenessError)
            #expect(errors.allSatisfy { $0 <= tolerance }, "\(rule), tolerance \(tolerance): \(errors) after \(a.steps ?? 0) steps")
            // The sum of the attributions is f(x) − f(baseline) to that tolerance.
            for n in 0..<4 {
                let sum = a.example(n).reduce(0) { $0 + Double($1) }
                #expect(abs(sum - (a.outputs[n] - a.baselineOutputs![n])) <= tolerance * abs(a.outputs[n] - a.baselineOutputs![n]) + 1e-5)
            }
        }
    }

    @Test func smoothGradMatchesCaptumOnTheSameNoise() throws {
        let f = try Fixture()
        let noise = try f.file.tensor("smoothgrad_noise")
        let samples = (0..<8).map { noise.select(dim: 0, index: $0).contiguous() }
        try f.expect(try SmoothGrad().attribute(f.cnn, inputs: f.images, targets: f.imageTargets, noiseSamples: samples), "smoothgrad")
        // Seeded noise reproduces.
        let a = try SmoothGrad(samples: 4, seed: 3).attribute(f.cnn, inputs: f.images, targets: f.imageTargets).values.scalars
        let b = try SmoothGrad(samples: 4, seed: 3).attribute(f.cnn, inputs: f.images, targets: f.imageTargets).values.scalars
        #expect(a == b)
    }

    @Test func occlusionMatchesCaptum() throws {
        let f = try Fixture()
        try f.expect(try Occlusion(window: [1, 3, 3], strides: [1, 2, 2]).attribute(f.cnn, inputs: f.images, targets: f.imageTargets),
                     "occlusion_3_2")
        try f.expect(try Occlusion(window: [1, 2, 2], strides: [1, 2, 2]).attribute(f.cnn, inputs: f.images, targets: f.imageTargets),
                     "occlusion_2_2")
        #expect(throws: ExplanationError.self) { try Occlusion(window: [1, 9, 9], strides: [1, 1, 1]).attribute(f.cnn, inputs: f.images, targets: f.imageTargets) }
        #expect(throws: ExplanationError.self) { try Occlusion(window: [3, 3], strides: [1, 1]).attribute(f.cnn, inputs: f.images, targets: f.imageTargets) }
    }

    @Test func exactKernelSHAPEqualsShapleyValues() throws {
        let f = try Fixture()
        let background = try f.file.tensor("tab_background")
        let five = try KernelSHAP(background: background).attribute(f.mlp, inputs: f.rows, targets: f.rowTargets)
        try f.expect(five, "shap_exact", relative: 1e-4)
        let single = try KernelSHAP(background: background.slice(dim: 0, start: 0, end: 1).contiguous())
            .attribute(f.mlp, inputs: f.rows, targets: f.rowTargets)
        try f.expect(single, "shap_exact_single", relative: 1e-4)
        // Efficiency: the values add up to f(x) − E[f(background)].
        for delta in five.convergenceDelta! { #expect(abs(delta) < 1e-6) }
    }

    @Test func sampledKernelSHAPIsAsCloseAsCaptums() throws {
        let f = try Fixture()
        let background = try f.file.tensor("tab_background").slice(dim: 0, start: 0, end: 1).contiguous()
        let sampled = try KernelSHAP(background: background, samples: 2000, exactLimit: 0, seed: 1)
            .attribute(f.mlp, inputs: f.rows, targets: f.rowTargets).values.scalars
        let exact = try f.file.tensor("shap_exact_single").scalars, captum = try f.file.tensor("captum_kernelshap_single").scalars
        let ours = zip(sampled, exact).map { abs($0 - $1) }.max()!, theirs = zip(captum, exact).map { abs($0 - $1) }.max()!
        #expect(ours <= 3 * theirs + 1e-4, "sampled KernelSHAP error \(ours), Captum's \(theirs)")
        #expect(zip(sampled, captum).map { abs($0 - $1) }.max()! < 0.05)
    }

    @Test func imageKernelSHAPGroupsPatches() throws {
        let f = try Fixture()
        let groups = (0..<64).map { ($0 / 8 / 4) * 2 + ($0 % 8) / 4 }
        let a = try KernelSHAP(background: Tensor.zeros([2, 1, 8, 8]), featureGroups: groups).attribute(f.cnn, inputs: f.images, targets: f.imageTargets)
        for n in 0..<4 {
            let v = a.example(n)
            for i in 0..<64 { #expect(v[i] == v[groups.firstIndex(of: groups[i])!]) }
            let perGroup = (0..<4).map { g in Double(v[groups.firstIndex(of: g)!]) }
            #expect(abs(perGroup.reduce(0, +) - (a.outputs[n] - a.baselineOutputs![n])) < 1e-4)
        }
    }

    /// A linear two-class model: logit₁ − logit₀ = w·x − 1 with w = (0.5, −2, 1, 0.1).
    static func linearModel() -> Linear {
        let layer = Linear(4, 2, generator: RandomGenerator(seed: 0))
        layer.weight.value = Tensor(shape: [2, 4], scalars: [0, 0, 0, 0, 0.5, -2, 1, 0.1])
        layer.bias!.value = Tensor(shape: [2], scalars: [0, -1])
        return layer
    }

    @Test func counterfactualIsTheSmallestL1Change() throws {
        let model = Self.linearModel()
        let wide = CounterfactualSearch(lower: [-5, -5, -5, -5], upper: [5, 5, 5, 5], mutable: [true, true, true, true])
        // The cheapest feature per unit of margin is x₁ (|w| = 2): 0.5 of it flips the decision.
        let a = try wide.search(model, input: [0, 0, 0, 0])
        #expect(a.originalClass == 0 && a.newClass == 1)
        #expect(a.changed == [1])
        #expect(abs(a.counterfactual[1] + 0.5) < 0.005 && a.distance < 0.505)
        // With x₁ frozen, x₂ (|w| = 1) by 1.
        var frozen = wide
        frozen.mutable[1] = false
        let b = try frozen.search(model, input: [0, 0, 0, 0])
        #expect(b.changed == [2] && abs(b.counterfactual[2] - 1) < 0.01)
        // With x₂ capped at 0.6 the rest of the margin comes from x₀ (|w| = 0.5): 0.6 + 0.8 = 1.4.
        var capped = frozen
        capped.upper[2] = 0.6
        let c = try capped.search(model, input: [0, 0, 0, 0])
        #expect(c.newClass == 1 && c.counterfactual[1] == 0 && c.counterfactual[2] <= 0.6)
        #expect(c.distance < 1.4 * 1.03, "distance \(c.distance), optimum 1.4")
        // An input outside a range keeps its value where it may not change, and every change is counted.
        var outside = wide
        outside.mutable[3] = false
        let d = try outside.search(model, input: [0, 0, 0, 7])
        #expect(d.counterfactual[3] == 7 && d.original == [0, 0, 0, 7] && !d.changed.contains(3))
        // Nothing allowed reaches the other class.
        var stuck = capped
        stuck.upper = [0.1, 5, 0.1, 0.1]
        #expect(throws: ExplanationError.self) { try stuck.search(model, input: [0, 0, 0, 0]) }
    }

    @Test func settingsOutOfRangeAreRefused() throws {
        let f = try Fixture()
        #expect(throws: ExplanationError.self) { try Saliency().attribute(f.cnn, inputs: f.images, targets: [0]) }
        #expect(throws: ExplanationError.self) { try Saliency().attribute(f.cnn, inputs: f.images, targets: [0, 1, 2, 3 + 1]) }
        #expect(throws: ExplanationError.self) { try IntegratedGradients(steps: 0).attribute(f.cnn, inputs: f.images, targets: f.imageTargets) }
        #expect(throws: ExplanationError.self) {
            try IntegratedGradients(baseline: .example(Tensor.zeros([1, 4, 4]))).attribute(f.cnn, inputs: f.images, targets: f.imageTargets)
        }
        #expect(throws: ExplanationError.self) { try KernelSHAP(background: Tensor.zeros([2, 5])).attribute(f.mlp, inputs: f.rows, targets: f.rowTargets) }
        #expect(throws: ExplanationError.self) {
            try KernelSHAP(background: Tensor.zeros([1, 8]), exactLimit: 1 << 30).attribute(f.mlp, inputs: f.rows, targets: f.rowTargets)
        }
        // A row without its batch axis is refused before the model runs.
        #expect(throws: ExplanationError.self) { try Saliency().attribute(f.mlp, inputs: Tensor.zeros([8]), targets: [0]) }
    }

    @Test func picturesAreValidPNGAndSVG() throws {
        let f = try Fixture()
        let a = try IntegratedGradients(steps: 16).attribute(f.cnn, inputs: f.images, targets: f.imageTargets)
        let picture = AttributionImage(attribution: a.example(0), image: Array(f.images.scalars[0..<64]), channels: 1, height: 8, width: 8,
                                       title: "ig")
        let png = try picture.png(zoom: 3)
        let decoded = try ImageDecoder.decode(png)
        #expect(decoded.width == 3 * 24 + 8 && decoded.height == 24 && decoded.channels == 3)
        // The left panel is the input in grey, stretched to the full range.
        let input = f.images.scalars[0..<64], lo = input.min()!, hi = input.max()!
        let grey = Double(input[0] - lo) / Double(hi - lo) * 255
        #expect(abs(Double(decoded.samples[0]) - grey) <= 1)
        let svg = try picture.svg().document
        #expect(svg.contains("data:image/png;base64,") && svg.hasSuffix("</svg>\n"))
        _ = try XMLDocument(xmlString: svg)
        let chart = AttributionBarChart(names: (0..<8).map { "f\($0)" }, values: [1, -2, 0.5, 0, 0, 3, -1, 0.1], title: "shap").svg.document
        _ = try XMLDocument(xmlString: chart)
        #expect(chart.contains("f5"))
    }
}
