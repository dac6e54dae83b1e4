import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseNN

/// Convolution and pooling layers against PyTorch (Fixtures/golden, manifest-conv.json): the case's
/// parameters are loaded into the layer built with the case's constructor arguments, then the output
/// and the gradients of the input and of every parameter are compared with the case's tolerance.
struct ConvolutionGoldenTests {
    /// A golden case and the layer its constructor call describes.
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let make: @Sendable () -> any Layer
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "conv1d") { Conv1d(3, 5, kernelSize: 3, stride: 2, padding: 1) },
        Case(name: "conv2d") { Conv2d(3, 8, kernelSize: 3, stride: 2, padding: 1) },
        Case(name: "conv2d_dilated_grouped") { Conv2d(4, 4, kernelSize: 3, padding: 2, dilation: 2, groups: 2) },
        Case(name: "conv_transpose2d") { ConvTranspose2d(4, 3, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1) },
        Case(name: "maxpool2d_k2") { MaxPool2d(kernelSize: 2) },
        Case(name: "maxpool2d_k3_s2_p1") { MaxPool2d(kernelSize: 3, stride: 2, padding: 1) },
        Case(name: "avgpool2d_k2") { AvgPool2d(kernelSize: 2) },
        Case(name: "adaptive_avgpool2d_1") { AdaptiveAvgPool2d(1) },
    ]

    @Test(arguments: cases)
    func matchesPyTorch(_ testCase: Case) throws {
        let c = try GoldenManifest.bundled.get().case(testCase.name)
        let archive = try SafeTensorsArchive(contentsOf: try Golden.fixtureURL(c.file))
        let layer = testCase.make()
        var state: [String: Tensor] = [:]
        for full in c.params ?? [] { state[String(full.dropFirst("param.".count))] = try archive.tensor(full) }
        try layer.loadStateDict(state)
        let x = try archive.tensor("input.x").requiringGrad()
        let y = layer(x)
        let tol = c.tolerance
        expectClose(y, try archive.tensor("output.y"), rtol: tol.rtol, atol: tol.atol, "\(testCase.name) output.y")
        y.backward(try archive.tensor("upstream.y"))
        var grads: [String: Tensor?] = ["grad.input.x": x.grad]
        for (name, p) in layer.namedParameters() { grads["grad.param.\(name)"] = p.grad }
        #expect(Set(grads.keys) == Set(c.gradients ?? []))
        for name in c.gradients ?? [] {
            let actual = try #require(grads[name] ?? nil, "\(testCase.name): no gradient for \(name)")
            expectClose(actual, try archive.tensor(name), rtol: tol.rtol, atol: tol.atol, "\(testCase.name) \(name)")
        }
    }
}
