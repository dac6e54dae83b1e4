import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO

// Harness for the PyTorch golden files in Fixtures/golden (see manifest.json there): it loads a
// case, feeds its inputs to a Synapse closure, and compares outputs and gradients with the
// per-case tolerance |actual - expected| <= atol + rtol·|expected| (integer tensors exactly).

/// The decoded `Fixtures/golden/manifest.json`.
struct GoldenManifest: Decodable, Sendable {
    /// One case of the manifest (only the fields the harness needs).
    struct Case: Decodable, Sendable {
        /// Element tolerance of the case.
        struct Tolerance: Decodable, Sendable {
            let rtol: Double
            let atol: Double
        }
        /// Shape and dtype of one stored tensor.
        struct TensorInfo: Decodable, Sendable {
            let shape: [Int]
            let dtype: String
        }
        let name: String
        let file: String
        let call: String
        let inputs: [String]
        let outputs: [String]
        let upstream: [String]?
        let gradients: [String]?
        let tensors: [String: TensorInfo]
        let tolerance: Tolerance
        /// The manifest's group ("elementwise", "loss", "layer", "optimizer", ...), when given.
        let group: String?
        /// Module cases: the `param.*` tensors (PyTorch state-dict names with the prefix).
        let params: [String]?
        /// Optimizer cases: `state_final.<param>.<key>` tensors (absent for stateless optimizers).
        let stateFinal: [String]?

        enum CodingKeys: String, CodingKey {
            case name = "case", file, call, inputs, outputs, upstream, gradients, tensors, tolerance
            case group, params, stateFinal = "state_final"
        }

        // Optimizer cases have no `inputs`/`outputs`; they decode as empty lists.
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            file = try c.decode(String.self, forKey: .file)
            call = try c.decode(String.self, forKey: .call)
            inputs = try c.decodeIfPresent([String].self, forKey: .inputs) ?? []
            outputs = try c.decodeIfPresent([String].self, forKey: .outputs) ?? []
            upstream = try c.decodeIfPresent([String].self, forKey: .upstream)
            gradients = try c.decodeIfPresent([String].self, forKey: .gradients)
            tensors = try c.decode([String: TensorInfo].self, forKey: .tensors)
            tolerance = try c.decode(Tolerance.self, forKey: .tolerance)
            group = try c.decodeIfPresent(String.self, forKey: .group)
            params = try c.decodeIfPresent([String].self, forKey: .params)
            stateFinal = try c.decodeIfPresent([String].self, forKey: .stateFinal)
        }

        /// True when the stored tensor `name` holds integers (indices, masks).
        func isInteger(_ name: String) -> Bool { tensors[name]?.dtype == "int64" }
    }

    let cases: [Case]

    /// The manifests bundled with the test target, decoded once: `manifest.json` plus any
    /// `manifest-<area>.json` beside it (one per layer family, so adding cases never conflicts).
    static let bundled: Result<GoldenManifest, any Error> = Result {
        let main = try Golden.fixtureURL("manifest.json")
        let extra = try FileManager.default.contentsOfDirectory(atPath: main.deletingLastPathComponent().path)
            .filter { $0.hasPrefix("manifest-") && $0.hasSuffix(".json") }.sorted()
        var cases: [Case] = []
        for file in ["manifest.json"] + extra {
            let data = try Data(contentsOf: try Golden.fixtureURL(file))
            cases += try JSONDecoder().decode(GoldenManifest.self, from: data).cases
        }
        return GoldenManifest(cases: cases)
    }

    /// The case called `name`.
    func `case`(_ name: String) throws -> Case {
        guard let c = cases.first(where: { $0.name == name }) else { throw Golden.Failure("no golden case '\(name)' in manifest.json") }
        return c
    }
}

/// The inputs of a golden case, as handed to the op under test. Float inputs with a
/// `grad.input.<name>` entry require gradients; int64 inputs are `IntTensor`s.
struct GoldenInputs: @unchecked Sendable {
    let caseName: String
    let floats: [String: Tensor]
    let ints: [String: IntTensor]

    /// The float input `name` (without the `input.` prefix).
    subscript(_ name: String) -> Tensor {
        guard let t = floats[name] else { preconditionFailure("golden case \(caseName) has no float input '\(name)'") }
        return t
    }

    /// The integer input `name` (without the `input.` prefix).
    func int(_ name: String) -> IntTensor {
        guard let t = ints[name] else { preconditionFailure("golden case \(caseName) has no int64 input '\(name)'") }
        return t
    }
}

/// What the op under test produced, keyed by output name without the `output.` prefix.
struct GoldenOutputs {
    var floats: [String: Tensor] = [:]
    var ints: [String: IntTensor] = [:]

    /// A single float output called `y`.
    static func y(_ t: Tensor) -> GoldenOutputs { GoldenOutputs(floats: ["y": t]) }
    /// `values` and `indices` of max/min along a dimension.
    static func valuesIndices(_ r: (values: Tensor, indices: IntTensor)) -> GoldenOutputs {
        GoldenOutputs(floats: ["values": r.values], ints: ["indices": r.indices])
    }
    /// A single integer output called `indices`.
    static func indices(_ i: IntTensor) -> GoldenOutputs { GoldenOutputs(ints: ["indices": i]) }
}

/// A manifest case name paired with the Synapse expression that reproduces its PyTorch `call`.
struct GoldenOp: Sendable, CustomTestStringConvertible {
    let name: String
    let body: @Sendable (GoldenInputs) -> GoldenOutputs

    init(_ name: String, _ body: @escaping @Sendable (GoldenInputs) -> GoldenOutputs) {
        self.name = name
        self.body = body
    }

    var testDescription: String { name }
}

/// Loading and checking golden cases.
enum Golden {
    /// An error of the harness itself (missing file, case or tensor).
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// URL of `Fixtures/golden/<file>` inside the test bundle.
    static func fixtureURL(_ file: String) throws -> URL {
        guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw Failure("the test bundle has no Fixtures directory")
        }
        let url = dir.appendingPathComponent("golden").appendingPathComponent(file)
        guard FileManager.default.fileExists(atPath: url.path) else { throw Failure("missing golden fixture \(url.path)") }
        return url
    }

    /// Runs `op` on the inputs of its manifest case and checks every output and input gradient.
    ///
    /// Gradients follow the manifest's rule: all differentiable outputs are backpropagated together
    /// with their `upstream.*` tensors (one output: `y.backward(upstream)`; several: the sum of
    /// `(y * upstream).sum()`).
    static func check(_ op: GoldenOp, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let c = try GoldenManifest.bundled.get().case(op.name)
        let archive = try SafeTensorsArchive(contentsOf: try fixtureURL(c.file))
        let tol = c.tolerance
        let gradients = c.gradients ?? []

        var floats: [String: Tensor] = [:], ints: [String: IntTensor] = [:]
        for full in c.inputs {
            let name = strip(full, "input.")
            if c.isInteger(full) {
                ints[name] = try archive.intTensor(full)
            } else {
                let t = try archive.tensor(full)
                floats[name] = gradients.contains("grad.input.\(name)") ? t.requiringGrad() : t
            }
        }
        let inputs = GoldenInputs(caseName: c.name, floats: floats, ints: ints)
        let result = op.body(inputs)

        let expectedNames = Set(c.outputs.map { strip($0, "output.") })
        let producedNames = Set(result.floats.keys).union(result.ints.keys)
        #expect(producedNames == expectedNames,
                "\(c.name): produced outputs \(producedNames.sorted()) but the case has \(expectedNames.sorted())",
                sourceLocation: sourceLocation)

        for full in c.outputs {
            let name = strip(full, "output.")
            if c.isInteger(full) {
                guard let actual = result.ints[name] else { continue }
                expectEqual(actual, try archive.intTensor(full), "\(c.name) \(full)", sourceLocation: sourceLocation)
            } else {
                guard let actual = result.floats[name] else { continue }
                expectClose(actual, try archive.tensor(full), rtol: tol.rtol, atol: tol.atol,
                            "\(c.name) \(full)", sourceLocation: sourceLocation)
            }
        }

        // Backpropagate every output that has an upstream gradient.
        var differentiable: [(Tensor, Tensor)] = []
        for full in c.upstream ?? [] {
            let name = strip(full, "upstream.")
            guard let y = result.floats[name] else { continue }
            #expect(y.requiresGrad, "\(c.name): output.\(name) does not require gradients", sourceLocation: sourceLocation)
            if y.requiresGrad { differentiable.append((y, try archive.tensor(full))) }
        }
        if differentiable.count == 1 {
            differentiable[0].0.backward(differentiable[0].1)
        } else if differentiable.count > 1 {
            let terms = differentiable.map { ($0.0 * $0.1).sum() }
            terms.dropFirst().reduce(terms[0], +).backward()
        }

        for full in gradients {
            let name = strip(full, "grad.input.")
            guard let input = inputs.floats[name] else {
                Issue.record("\(c.name): gradient \(full) names no float input", sourceLocation: sourceLocation)
                continue
            }
            guard let grad = input.grad else {
                Issue.record("\(c.name): input.\(name) received no gradient", sourceLocation: sourceLocation)
                continue
            }
            expectClose(grad, try archive.tensor(full), rtol: tol.rtol, atol: tol.atol, "\(c.name) \(full)",
                        sourceLocation: sourceLocation)
        }
    }

    private static func strip(_ s: String, _ prefix: String) -> String {
        s.hasPrefix(prefix) ? String(s.dropFirst(prefix.count)) : s
    }
}

/// Expects equal shapes and every element within `atol + rtol·|expected|`; on failure reports
/// `label`, the worst element (multi-index, actual, expected) and the largest absolute error.
func expectClose(_ actual: Tensor, _ expected: Tensor, rtol: Double, atol: Double, _ label: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual.shape == expected.shape else {
        Issue.record("\(label): shape \(actual.shape), expected \(expected.shape)", sourceLocation: sourceLocation)
        return
    }
    let a = actual.scalars, e = expected.scalars
    var worstRatio = 0.0, worst = -1, maxAbs = 0.0
    for i in a.indices {
        let ai = Double(a[i]), ei = Double(e[i])
        let err = Swift.abs(ai - ei)
        let ratio = err.isNaN || ai.isNaN != ei.isNaN ? Double.infinity : err / (atol + rtol * Swift.abs(ei))
        maxAbs = Swift.max(maxAbs, err.isNaN ? .infinity : err)
        if ratio > worstRatio || worst < 0 { worstRatio = ratio; worst = i }
    }
    guard worst >= 0, worstRatio > 1 else { return }
    Issue.record("""
        \(label): max |error| \(maxAbs) exceeds tolerance (rtol \(rtol), atol \(atol)); worst at \
        \(multiIndex(worst, shape: actual.shape)): actual \(a[worst]), expected \(e[worst]) \
        (\(String(format: "%.3g", worstRatio))× the allowed error)
        """, sourceLocation: sourceLocation)
}

/// Expects identical integer tensors; on failure reports `label` and the first differing element.
func expectEqual(_ actual: IntTensor, _ expected: IntTensor, _ label: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual.shape == expected.shape else {
        Issue.record("\(label): shape \(actual.shape), expected \(expected.shape)", sourceLocation: sourceLocation)
        return
    }
    if let i = actual.scalars.indices.first(where: { actual.scalars[$0] != expected.scalars[$0] }) {
        Issue.record("\(label): element \(multiIndex(i, shape: actual.shape)) is \(actual.scalars[i]), expected \(expected.scalars[i])",
                     sourceLocation: sourceLocation)
    }
}

/// The row-major multi-index of flat position `flat` in `shape`.
func multiIndex(_ flat: Int, shape: [Int]) -> [Int] {
    var rest = flat
    var index = [Int](repeating: 0, count: shape.count)
    for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] > 0 {
        index[d] = rest % shape[d]
        rest /= shape[d]
    }
    return index
}
