import Testing
@testable import SynapseCore
@testable import SynapseDistributed
@testable import SynapseNN

/// `GradientBucket.writeBack(summing:)`, the sums of every process's bucket done while writing
/// the means back (one barrier a step on one host): the same bits as the in-place sums in rank
/// order followed by the plain write-back, flags included.
@Suite struct BucketWriteBackTests {
    /// A bucket of two parameters (7 and 5 values) and its flat layout: 12 gradients, 2 flags.
    static func bucket() -> GradientBucket {
        GradientBucket(index: 0, parameters: [Parameter(Tensor.zeros([7])), Parameter(Tensor.zeros([5]))])
    }

    /// `processes` buckets' flat contents: values that round differently in other sum orders,
    /// parameter 1 present on `withSecond` processes only.
    static func flats(_ processes: Int, withSecond: Set<Int>) -> [[Float]] {
        (0..<processes).map { r in
            let values = (0..<12).map { i in Float(i + 1) * 0.1 + Float(r) * 1e-7 + (i % 3 == 0 ? 3e7 : 0) * (r % 2 == 0 ? 1 : -1) }
            let second = withSecond.contains(r)
            return values.enumerated().map { $0.offset >= 7 && !second ? 0 : $0.element } + [1, second ? 1 : 0]
        }
    }

    @Test(arguments: [1, 2, 3, 5])
    func summingOnWriteBackEqualsSummingInPlaceThenWritingBack(processes: Int) {
        let flats = Self.flats(processes, withSecond: processes == 1 ? [0] : [1])
        // In place, as shared_region.c sums: ((s0 + s1) + s2) + ..., element by element.
        var summed = flats[0]
        for r in flats.indices.dropFirst() { for i in summed.indices { summed[i] += flats[r][i] } }
        let inPlace = Self.bucket()
        let fused = Self.bucket()
        inPlace.reset()
        fused.reset()
        for i in summed.indices { inPlace.flat[i] = summed[i] }
        inPlace.writeBack(worldSize: processes)

        let buffers = flats.map { values in
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: values.count)
            _ = buffer.initialize(from: values)
            return buffer
        }
        defer { buffers.forEach { $0.deallocate() } }
        fused.writeBack(summing: buffers.map { UnsafePointer($0.baseAddress!) }, worldSize: processes)

        for (a, b) in zip(inPlace.parameters, fused.parameters) {
            let x = a.grad?.scalars, y = b.grad?.scalars
            #expect(x != nil && x?.map(\.bitPattern) == y?.map(\.bitPattern), "\(String(describing: x)) vs \(String(describing: y))")
        }
        // The mean of parameter 0 over the processes, to the rounding of one sum and one product.
        let expected = (0..<7).map { i in flats.reduce(0.0) { $0 + Double($1[i]) } / Double(processes) }
        for (got, want) in zip(fused.parameters[0].grad?.scalars ?? [], expected) {
            #expect(abs(Double(got) - want) <= 1e-6 * 3e7 * Double(processes), "\(got) vs \(want)")
        }
    }

    @Test func aParameterNoProcessHadKeepsNoGradient() {
        let flats = Self.flats(2, withSecond: [])
        let bucket = Self.bucket()
        bucket.parameters[1].grad = Tensor.ones([5])
        let buffers = flats.map { values in
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: values.count)
            _ = buffer.initialize(from: values)
            return buffer
        }
        defer { buffers.forEach { $0.deallocate() } }
        bucket.writeBack(summing: buffers.map { UnsafePointer($0.baseAddress!) }, worldSize: 2)
        #expect(bucket.parameters[0].grad != nil)
        #expect(bucket.parameters[1].grad == nil)
    }

    @Test func theSumsFollowTheSettingOrTheNumberOfProcesses() throws {
        #expect(try DistributedDataParallel.sumsWhenWritingBack(processes: 2, setting: nil))
        #expect(try DistributedDataParallel.sumsWhenWritingBack(processes: 4, setting: ""))
        #expect(try !DistributedDataParallel.sumsWhenWritingBack(processes: 5, setting: nil))
        #expect(try !DistributedDataParallel.sumsWhenWritingBack(processes: 2, setting: "chunks"))
        #expect(try DistributedDataParallel.sumsWhenWritingBack(processes: 8, setting: "write-back"))
        #expect(throws: DistributedError.self) { try DistributedDataParallel.sumsWhenWritingBack(processes: 2, setting: "fused") }
    }
}
