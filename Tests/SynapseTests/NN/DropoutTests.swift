import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseNN

@Suite("NN: Dropout")
struct NNDropoutTests {
    /// Inputs with no zeros, so a zero in the output always means "dropped".
    static func input(_ n: Int, seed: UInt64) -> Tensor {
        GradientInputs.uniform([n], seed: seed, low: 0.5, high: 2)
    }

    @Test func identityInEvalMode() {
        let d = Dropout(p: 0.5, generator: RandomGenerator(seed: 1))
        d.eval()
        let x = Self.input(1000, seed: 2).requiringGrad()
        let y = d(x)
        #expect(y.scalars == x.scalars)
        y.sum().backward()
        #expect(x.grad?.scalars == [Float](repeating: 1, count: 1000))
    }

    @Test func zeroProbabilityIsIdentityInTraining() {
        let d = Dropout(p: 0, generator: RandomGenerator(seed: 1))
        let x = Self.input(100, seed: 3)
        #expect(d(x).scalars == x.scalars)
    }

    @Test func probabilityOneDropsEverything() {
        let d = Dropout(p: 1, generator: RandomGenerator(seed: 1))
        #expect(d(Self.input(100, seed: 4)).scalars.allSatisfy { $0 == 0 })
    }

    /// With n = 200 000 Bernoulli(p) draws the dropped fraction has standard deviation
    /// √(p(1−p)/n) ≈ 0.0011 for p = 0.3; the 0.01 tolerance is ~9σ (never flaky, yet it catches a
    /// wrong probability such as 1 − p or p/2). Survivors must be exactly x·(1/(1−p)) up to one
    /// Float rounding.
    @Test(arguments: [Float(0.1), 0.3, 0.5, 0.8])
    func dropsAboutPAndScalesSurvivors(p: Float) {
        let n = 200_000
        let d = Dropout(p: p, generator: RandomGenerator(seed: 11))
        #expect(d.isTraining)
        let x = Self.input(n, seed: 12)
        let y = d(x)
        let xs = x.scalars, ys = y.scalars
        let dropped = ys.filter { $0 == 0 }.count
        #expect(Swift.abs(Double(dropped) / Double(n) - Double(p)) < 0.01, "dropped fraction \(Double(dropped) / Double(n)) for p = \(p)")
        let scale = 1 / (1 - p)
        var worst: Float = 0
        for i in 0..<n where ys[i] != 0 { worst = Swift.max(worst, Swift.abs(ys[i] - xs[i] * scale) / (xs[i] * scale)) }
        #expect(worst <= 2 * Float.ulpOfOne, "survivors not scaled by 1/(1-p): worst relative error \(worst)")
        // The expected value is preserved: mean(y) ≈ mean(x) (relative error of a few 1e-3 at most).
        let meanX = xs.reduce(0.0) { $0 + Double($1) } / Double(n), meanY = ys.reduce(0.0) { $0 + Double($1) } / Double(n)
        #expect(Swift.abs(meanY - meanX) / meanX < 0.02)
    }

    @Test func reproducibleWithASeededGenerator() {
        let x = Self.input(5000, seed: 21)
        let a = Dropout(p: 0.4, generator: RandomGenerator(seed: 99))
        let b = Dropout(p: 0.4, generator: RandomGenerator(seed: 99))
        let first = a(x)
        #expect(first.scalars == b(x).scalars)
        // The generator advances: the next mask is different, again identical for both layers.
        let second = a(x)
        #expect(second.scalars != first.scalars)
        #expect(second.scalars == b(x).scalars)
        // Another seed gives another mask.
        #expect(Dropout(p: 0.4, generator: RandomGenerator(seed: 100))(x).scalars != first.scalars)
    }

    /// The mask is drawn in bulk (`fillUniform`, one lock) but is exactly the per-element draw's:
    /// masks, and the generator's state after them, are what they were before the bulk path.
    @Test func bulkDrawsAreTheOneByOneSequence() {
        let bulk = RandomGenerator(seed: 7), single = RandomGenerator(seed: 7)
        var values = [Float](repeating: 0, count: 1001)
        values.withUnsafeMutableBufferPointer { bulk.fillUniform($0) }
        #expect(values == (0..<1001).map { _ in single.nextUniform() })
        #expect(bulk.state == single.state)
        let x = Self.input(300, seed: 3)
        let mask = Dropout(p: 0.3, generator: RandomGenerator(seed: 11))(x).scalars
        let g = RandomGenerator(seed: 11)
        let expected = x.scalars.map { g.nextUniform() >= 0.3 ? $0 / 0.7 : 0 }
        #expect(zip(mask, expected).allSatisfy { Swift.abs($0 - $1) <= 1e-6 * Swift.abs($1) })
    }

    @Test func gradientFlowsOnlyThroughKeptElements() {
        let p: Float = 0.3
        let d = Dropout(p: p, generator: RandomGenerator(seed: 5))
        let x = Self.input(2000, seed: 6).requiringGrad()
        let y = d(x)
        let upstream = GradientInputs.uniform([2000], seed: 7, low: 0.5, high: 1.5)
        y.backward(upstream)
        guard let g = x.grad?.scalars else {
            Issue.record("no gradient reached the input")
            return
        }
        let ys = y.scalars, us = upstream.scalars
        let scale = 1 / (1 - p)
        var kept = 0
        for i in ys.indices {
            if ys[i] == 0 {
                #expect(g[i] == 0, "dropped element \(i) received gradient \(g[i])")
            } else {
                kept += 1
                #expect(Swift.abs(g[i] - us[i] * scale) <= 1e-6 * us[i] * scale, "kept element \(i): \(g[i]) vs \(us[i] * scale)")
            }
        }
        #expect(kept > 0 && kept < ys.count)
    }

    @Test func finiteDifferencesWithAFixedMask() {
        // Re-seeding before every call gives the same mask, so the layer is a fixed linear map.
        let g = RandomGenerator(seed: 8)
        let d = Dropout(p: 0.25, generator: g)
        FiniteDifference.check("Dropout(p: 0.25)", [GradientInputs.normal([4, 6], seed: 9)]) { args in
            g.reseed(8)
            return d(args[0])
        }
    }
}
