import Foundation
import Testing
@testable import SynapseCore
@testable import SynapseIO

/// `Fixtures/onnx/<name>` in the test bundle (written once by scripts/make-onnx-fixtures.py).
func onnxFixture(_ name: String) throws -> URL {
    let dir = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    return dir.appendingPathComponent("onnx").appendingPathComponent(name)
}

/// Whether `actual` equals PyTorch's `expected` within |a − e| ≤ atol + rtol·|e| everywhere, with the
/// largest violation for the failure message.
func onnxClose(_ actual: Tensor, _ expected: Tensor, rtol: Float = 1e-4, atol: Float = 1e-5) -> (ok: Bool, worst: Float) {
    guard actual.shape == expected.shape else { return (false, .infinity) }
    var worst: Float = 0, ok = true
    for (a, e) in zip(actual.scalars, expected.scalars) {
        let d = Swift.abs(a - e)
        if !(d <= atol + rtol * Swift.abs(e)) { ok = false }
        worst = Swift.max(worst, d)
    }
    return (ok, worst)
}
