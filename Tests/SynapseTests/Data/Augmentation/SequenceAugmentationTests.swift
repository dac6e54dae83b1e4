import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseData

@Suite struct SequenceAugmentationTests {
    @Test func windowShapeAndContiguousContent() {
        // A [T, 2] series whose row t is (t, -t).
        let t = 20
        let series = Tensor(shape: [t, 2], scalars: (0..<t).flatMap { [Float($0), -Float($0)] })
        let g = RandomGenerator(seed: 4)
        var starts = Set<Int>()
        for _ in 0..<400 {
            let w = RandomWindow(length: 5)(series, using: g)
            #expect(w.shape == [5, 2])
            let s = Int(w.scalars[0])
            #expect(w.scalars == (s..<(s + 5)).flatMap { [Float($0), -Float($0)] })
            starts.insert(s)
        }
        #expect(starts == Set(0...15))    // every start, including the last possible one
    }

    @Test func windowsOfTokenArraysAndBatches() {
        let tokens = Array(0..<10)
        let w = RandomWindow(length: 10)(tokens, using: RandomGenerator(seed: 0))
        #expect(w == tokens)                      // a full-length window is the whole sequence
        let batch = Tensor(shape: [8, 12], scalars: (0..<96).map(Float.init))
        let out = RandomWindow(length: 4).applyPerExample(batch, using: RandomGenerator(seed: 9))
        #expect(out.shape == [8, 4])
        for (i, row) in out.scalars.splitIntoRows(4).enumerated() {
            #expect(row.first.map { Int($0) / 12 } == i)                        // from its own example
            #expect(zip(row, row.dropFirst()).allSatisfy { $1 == $0 + 1 })    // contiguous
        }
        let again = RandomWindow(length: 4).applyPerExample(batch, using: RandomGenerator(seed: 9))
        #expect(again.scalars == out.scalars)
    }
}
