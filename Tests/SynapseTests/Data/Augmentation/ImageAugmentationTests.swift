import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseData

@Suite struct ImageAugmentationTests {
    /// A [C, H, W] image whose element at (c, i, j) is 100c + 10i + j + 1 (never 0, so padding shows).
    private func image(channels: Int = 2, height: Int = 4, width: Int = 5) -> Tensor {
        var values: [Float] = []
        for c in 0..<channels { for i in 0..<height { for j in 0..<width { values.append(Float(100 * c + 10 * i + j + 1)) } } }
        return Tensor(shape: [channels, height, width], scalars: values)
    }

    /// The reference crop: element (c, i, j) of the window at (top, left), 0 outside the image.
    private func expectedCrop(_ x: Tensor, top: Int, left: Int, height: Int, width: Int) -> [Float] {
        let (c, h, w) = (x.shape[0], x.shape[1], x.shape[2])
        var out: [Float] = []
        for p in 0..<c { for i in 0..<height { for j in 0..<width {
            let (r, s) = (top + i, left + j)
            out.append(r >= 0 && r < h && s >= 0 && s < w ? x.scalar(at: [p, r, s]) : 0)
        } } }
        return out
    }

    @Test func cropShapes() {
        let g = RandomGenerator(seed: 0)
        #expect(RandomCrop(size: 4, padding: 2)(image(), using: g).shape == [2, 4, 4])
        #expect(RandomCrop(height: 4, width: 5, padding: 1)(image(), using: g).shape == [2, 4, 5])
        #expect(RandomCrop(size: 3)(Tensor(shape: [6, 6], scalars: Array(repeating: 1, count: 36)), using: g).shape == [3, 3])
        #expect(RandomCrop(size: 28, padding: 4).applyPerExample(Tensor(shape: [3, 1, 28, 28], fill: { $0.initialize(repeating: 1) }),
                                                                using: g).shape == [3, 1, 28, 28])
    }

    @Test func cropContentAtEveryOffset() {
        let x = image()
        let crop = RandomCrop(height: 3, width: 4, padding: 2)
        let layout = ImageLayout(x.shape, op: "test")
        for top in -2...3 {
            for left in -2...3 {
                let out = crop.crop(x, layout: layout, top: top, left: left)
                #expect(out.scalars == expectedCrop(x, top: top, left: left, height: 3, width: 4), "top \(top) left \(left)")
            }
        }
    }

    @Test func randomCropsAreWindowsOfThePaddedImageAndCoverAllOffsets() {
        let x = image(channels: 1, height: 3, width: 3)
        let crop = RandomCrop(size: 3, padding: 1)
        let g = RandomGenerator(seed: 7)
        var seen = Set<[Int]>()
        for _ in 0..<300 {
            let out = crop(x, using: g).scalars
            let matches = (-1...1).flatMap { t in (-1...1).map { [t, $0] } }
                .filter { expectedCrop(x, top: $0[0], left: $0[1], height: 3, width: 3) == out }
            #expect(matches.count == 1)
            seen.formUnion(matches)
        }
        #expect(seen.count == 9)
    }

    @Test func flipMirrorsEveryChannelRow() {
        let x = image()
        let g = RandomGenerator(seed: 1)
        let flipped = RandomHorizontalFlip(probability: 1)(x, using: g)
        for c in 0..<2 { for i in 0..<4 { for j in 0..<5 {
            #expect(flipped.scalar(at: [c, i, j]) == x.scalar(at: [c, i, 4 - j]))
        } } }
        #expect(RandomHorizontalFlip(probability: 0)(x, using: g).scalars == x.scalars)
        // Flipping twice is the identity.
        #expect(RandomHorizontalFlip(probability: 1)(flipped, using: g).scalars == x.scalars)
    }

    @Test func flipProbabilityPerExampleInABatch() {
        let n = 2000
        let one = image(channels: 1, height: 2, width: 3)
        let batch = Tensor.stack(Array(repeating: one, count: n))
        let out = RandomHorizontalFlip(probability: 0.3).applyPerExample(batch, using: RandomGenerator(seed: 3))
        let flippedRow = RandomHorizontalFlip(probability: 1)(one, using: RandomGenerator(seed: 0)).scalars
        let rows = out.scalars.splitIntoRows(6)
        #expect(rows.allSatisfy { $0 == one.scalars || $0 == flippedRow })
        let fraction = Double(rows.filter { $0 == flippedRow }.count) / Double(n)
        #expect(abs(fraction - 0.3) < 0.04, "flipped fraction \(fraction)")
    }

    @Test func gaussianNoiseStatistics() {
        let n = 100_000
        let out = GaussianNoise(mean: 0.5, standardDeviation: 2).applyPerExample(Tensor(shape: [10, n / 10], fill: { $0.initialize(repeating: 1) }),
                                                                                 using: RandomGenerator(seed: 11))
        let noise = out.scalars.map { Double($0) - 1 }
        let mean = noise.reduce(0, +) / Double(n)
        let std = (noise.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1)).squareRoot()
        #expect(abs(mean - 0.5) < 0.03, "mean \(mean)")
        #expect(abs(std - 2) < 0.03, "std \(std)")
        #expect(GaussianNoise(standardDeviation: 0)(image(), using: RandomGenerator(seed: 0)).scalars == image().scalars)
    }

    @Test func composeIsSequentialApplicationWithOneGenerator() {
        let pipeline = Compose(RandomCrop(size: 4, padding: 1), RandomHorizontalFlip(), GaussianNoise(standardDeviation: 0.1))
        let x = image()
        let a = pipeline(x, using: RandomGenerator(seed: 5))
        let g = RandomGenerator(seed: 5)
        let b = GaussianNoise(standardDeviation: 0.1)(RandomHorizontalFlip()(RandomCrop(size: 4, padding: 1)(x, using: g), using: g), using: g)
        #expect(a.scalars == b.scalars && a.shape == [2, 4, 4])
    }

    @Test func sameSeedSameAugmentationDifferentSeedDifferent() {
        let pipeline = Compose<Tensor>([RandomCrop(size: 4, padding: 2), RandomHorizontalFlip(), GaussianNoise(standardDeviation: 0.1)])
        let batch = Tensor.stack(Array(repeating: image(), count: 16))
        let a = pipeline.applyPerExample(batch, using: RandomGenerator(seed: 1))
        let b = pipeline.applyPerExample(batch, using: RandomGenerator(seed: 1))
        let c = pipeline.applyPerExample(batch, using: RandomGenerator(seed: 2))
        #expect(a.scalars == b.scalars)
        #expect(a.scalars != c.scalars)
        // Every example gets its own draws: the 16 identical inputs do not all come out alike.
        #expect(Set(a.scalars.splitIntoRows(32)).count > 1)
    }
}

extension Array {
    /// Consecutive pieces of `size` elements.
    func splitIntoRows(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
