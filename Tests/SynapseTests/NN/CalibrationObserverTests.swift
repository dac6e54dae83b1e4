import Foundation
import Testing
@testable import Synapse

/// Calibration observers: the ranges equal PyTorch's `MinMaxObserver` and ONNX Runtime's
/// `HistogramCollector` (percentile and entropy) on a fixture of three tensors fed in three batches
/// (`scripts/make-quantization-fixtures.py`), and NaN, infinity and empty batches are handled.
@Suite struct CalibrationObserverTests {
    /// The fixture archive.
    static func fixture() throws -> SafeTensorsArchive {
        guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { throw Golden.Failure("no Fixtures") }
        return try SafeTensors.load(from: dir.appendingPathComponent("quantization/observers.safetensors"))
    }

    /// The three calibration batches of fixture tensor `name`.
    static func batches(_ name: String, in archive: SafeTensorsArchive) throws -> [Tensor] {
        try (0..<3).map { try archive.tensor("\(name).batch\($0)") }
    }

    /// An observer fed `batches` one by one.
    static func observed(_ method: CalibrationMethod, percentile: Double = 99.999, bins: Int = 2048,
                         _ batches: [Tensor]) -> CalibrationObserver {
        var observer = CalibrationObserver(method: method, percentile: percentile, bins: bins)
        for batch in batches { observer.observe(batch) }
        return observer
    }

    /// Tolerances, in widths of ORT's histogram bin (`2 max|batch0| / 2048`: merging keeps the first
    /// batch's width). The histogram and the percentile search are reproduced in ORT's float32 and
    /// float64 arithmetic and match exactly here; half a bin still catches an edge off by one. The
    /// entropy search compares float32 KL divergences whose logarithms differ from NumPy's vectorised
    /// float32 log by a few ulps, so windows whose divergences tie within about 1e-6 can swap: for
    /// a and b the best window wins by 1e-2 and 2e-4 (relative), for c the runner-up, 5 bins away,
    /// trails by only 1.7e-6, so c allows 5.5 bins. Min/max is exact.
    static let entropyTolerance: [String: Float] = ["a": 0.5, "b": 0.5, "c": 5.5]

    @Test(arguments: ["a", "b", "c"])
    func rangesMatchPyTorchAndONNXRuntime(_ name: String) throws {
        let archive = try Self.fixture()
        let batches = try Self.batches(name, in: archive)
        let width = 2 * batches[0].scalars.map(abs).max()! / 2048

        let minMax = Self.observed(.minMax, batches).range()
        let expectedMinMax = try archive.tensor("\(name).minmax").scalars
        #expect(minMax.map { [$0.min, $0.max] } == expectedMinMax, "\(name) minmax")

        for (method, percentile, tolerance) in [(CalibrationMethod.percentile, 99.9, Float(0.5)),
                                                (.entropy, 99.999, Self.entropyTolerance[name]!)] {
            let expected = try archive.tensor("\(name).\(method.rawValue)").scalars
            let observer = Self.observed(method, percentile: percentile, batches)
            let range = try #require(observer.range())
            #expect(abs(range.min - expected[0]) <= tolerance * width && abs(range.max - expected[1]) <= tolerance * width,
                    "\(name) \(method): \(range) vs ORT's \(expected), bin width \(width)")
            #expect(observer.observedCount == batches.map(\.count).reduce(0, +))
        }
    }

    @Test func nothingObservedHasNoRange() {
        for method in CalibrationMethod.allCases {
            var observer = CalibrationObserver(method: method)
            #expect(observer.range() == nil)
            // An empty batch and an all-NaN batch add nothing either.
            observer.observe(UnsafeBufferPointer(start: nil, count: 0))
            observer.observe(Tensor([.nan, .nan]))
            #expect(observer.range() == nil && observer.observedCount == 0, "\(method)")
        }
    }

    @Test func nanValuesAreIgnored() throws {
        let archive = try Self.fixture()
        let batches = try Self.batches("b", in: archive)
        // Every 50th value becomes a NaN in a copy that keeps the other values.
        let withNaN = batches.map { batch in
            Tensor(batch.scalars.enumerated().flatMap { i, v in i % 50 == 0 ? [Float.nan, v] : [v] })
        }
        for method in CalibrationMethod.allCases {
            let clean = Self.observed(method, batches), dirty = Self.observed(method, withNaN)
            #expect(dirty.range().map { [$0.min, $0.max] } == clean.range().map { [$0.min, $0.max] }, "\(method)")
            #expect(dirty.observedCount == clean.observedCount)
        }
    }

    /// Min/max keeps infinities (the caller reports the layer); the histograms skip them, where ORT
    /// would raise, and report them only when nothing finite was seen.
    @Test func infinitiesWidenOnlyMinMax() {
        let finite = Tensor((0..<1000).map { Float($0) / 100 - 3 })
        let withInfinity = Tensor(finite.scalars + [.infinity])
        #expect(Self.observed(.minMax, [withInfinity]).range().map { [$0.min, $0.max] } == [-3, .infinity])
        for method in [CalibrationMethod.percentile, .entropy] {
            let range = Self.observed(method, [withInfinity]).range().map { [$0.min, $0.max] }
            #expect(range == Self.observed(method, [finite]).range().map { [$0.min, $0.max] }, "\(method)")
            #expect(Self.observed(method, [Tensor([.infinity, -.infinity])]).range().map { [$0.min, $0.max] } == [-.infinity, .infinity])
        }
    }

    /// Batches that never widen the first one's range give the histogram of all values at once;
    /// only a wider later batch (ORT's merge, already covered above) changes the bins.
    @Test func batchesWithinTheFirstRangeEqualOneBatch() throws {
        let archive = try Self.fixture()
        let batches = try Self.batches("c", in: archive)
        // Widest first: batch 1 holds c's largest magnitude.
        let ordered = [batches[1], batches[0], batches[2]]
        let all = Tensor(ordered.flatMap(\.scalars))
        for method in CalibrationMethod.allCases {
            let split = Self.observed(method, ordered).range().map { [$0.min, $0.max] }
            #expect(split == Self.observed(method, [all]).range().map { [$0.min, $0.max] }, "\(method)")
        }
    }

    /// ORT's entropy default of 128 bins with 128 quantized bins leaves a single window, the whole
    /// histogram clipped to min/max, as long as no later batch widens the histogram.
    @Test func entropyWithAsManyBinsAsLevelsIsMinMax() throws {
        let archive = try Self.fixture()
        let fixture = try Self.batches("b", in: archive)
        // Widest first: batch 1 holds b's largest magnitude.
        let batches = [fixture[1], fixture[0], fixture[2]]
        let entropy = Self.observed(.entropy, bins: 128, batches).range().map { [$0.min, $0.max] }
        #expect(entropy == Self.observed(.minMax, batches).range().map { [$0.min, $0.max] })
    }

    /// A later batch a thousand times wider than the first would make ORT's histogram a thousand
    /// times longer (and its entropy search a million times slower); the observer re-bins instead,
    /// and the percentile range still lands where the values' quantiles are.
    @Test func aMuchWiderLaterBatchKeepsTheHistogramSmall() {
        let narrow = Tensor((0..<500).map { Float($0 - 250) / 25_000 })
        let wide = Tensor((0..<5000).map { Float(sin(Double($0)) * 10 + cos(Double($0) / 7)) })
        let sorted = (narrow.scalars + wide.scalars).sorted()
        // The smallest values whose share of all values reaches 0.5 % and 99.5 % (percentile 99).
        let quantile = { (share: Double) in sorted[Int((share * Double(sorted.count)).rounded(.up)) - 1] }
        // One bin of 256 over the final range: a coarse bound, the point is that this finishes.
        let width = 2 * sorted.map(abs).max()! / 256
        let percentile = Self.observed(.percentile, percentile: 99, bins: 256, [narrow, wide]).range()!
        #expect(abs(percentile.min - quantile(0.005)) <= width && abs(percentile.max - quantile(0.995)) <= width,
                "\(percentile) vs quantiles \(quantile(0.005)), \(quantile(0.995))")
        let entropy = Self.observed(.entropy, bins: 256, [narrow, wide]).range()!
        #expect(entropy.min >= sorted.first! && entropy.min < 0 && entropy.max > 0 && entropy.max <= sorted.last!, "\(entropy)")
    }

    @Test func methodNamesAreStable() throws {
        #expect(CalibrationMethod.allCases.map(\.rawValue) == ["minmax", "percentile", "entropy"])
        let decoded = try JSONDecoder().decode([CalibrationMethod].self, from: Data(#"["entropy","minmax"]"#.utf8))
        #expect(decoded == [.entropy, .minMax])
    }
}
