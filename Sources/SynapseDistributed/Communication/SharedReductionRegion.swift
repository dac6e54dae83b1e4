import CMPIBridge

/// Memory that every process of a one-host job maps, where `DistributedDataParallel` keeps its
/// gradient buckets and sums them in place (`shared_region.c`): no copy of a bucket into a
/// communication buffer and back. Two areas per process, used by alternate backward passes, so a
/// process may fill the next pass's buckets while a slower one still reads the last pass's sums.
final class SharedReductionRegion: @unchecked Sendable {
    fileprivate let handle: OpaquePointer
    /// Floats in each area.
    let count: Int

    fileprivate init(handle: OpaquePointer, count: Int) {
        self.handle = handle
        self.count = count
    }

    /// This process's area `parity` (0 or 1): `count` floats, zero at creation; nil once MPI is
    /// finalized (the memory is gone).
    func area(_ parity: Int) -> UnsafeMutablePointer<Float>? {
        synapse_mpi_shared_region_area(handle, Int32(parity))
    }

    /// Every process's area `parity`, in rank order (read-only: each process writes only its
    /// own); nil once MPI is finalized. Read only between a fence and the next one.
    func areasOfAllProcesses(_ parity: Int) -> [UnsafePointer<Float>]? {
        let processes = Int(synapse_mpi_shared_region_processes(handle))
        guard processes > 0 else { return nil }
        var areas: [UnsafePointer<Float>] = []
        areas.reserveCapacity(processes)
        for process in 0..<processes {
            guard let area = synapse_mpi_shared_region_area_of(handle, Int32(process), Int32(parity)) else { return nil }
            areas.append(area)
        }
        return areas
    }
}

extension MPICommunicator {
    /// Makes a shared reduction region of `count` floats per area (collective: every process must
    /// call it with the same count, in the same order as its other collectives); nil when the
    /// processes span hosts, `SYNAPSE_MPI_SHARED_REDUCE=0` or `SYNAPSE_MPI_SHARED_BUCKETS=0`, the
    /// count is beyond the region's limit (256 MiB of floats per area), or the process has made 64
    /// regions — the caller then reduces buffers of its own.
    func makeSharedReductionRegion(count: Int, label: String) throws(DistributedError) -> SharedReductionRegion? {
        final class Made: @unchecked Sendable { var handle: OpaquePointer? }
        let made = Made()
        try run(label) { synapse_mpi_shared_region_create(Int64(count), &made.handle) }
        return made.handle.map { SharedReductionRegion(handle: $0, count: count) }
    }

    /// Starts summing floats `offset..<offset + count` of every process's area `parity` of
    /// `region`, in place, behind the operations already started. Until `wait` returns for it,
    /// nothing may write that range of this process's area.
    func startReduce(_ region: SharedReductionRegion, parity: Int, offset: Int, count: Int,
                     label: String) throws(DistributedError) -> PendingCommunication {
        guard (0...1).contains(parity), offset >= 0, count >= 0, offset + count <= region.count else {
            throw .unsupported(reason: "\(label): floats \(offset)..<\(offset + count) of area \(parity) lie outside a region of \(region.count)")
        }
        return try start(label) { synapse_mpi_shared_region_reduce(region.handle, Int32(parity), Int64(offset), Int64(count)) }
    }

    /// Starts the fence of `region` behind the operations already started: when `wait` returns
    /// for it, every process has written its area for this pass and any process's area may be
    /// read (`areasOfAllProcesses`), until this process's next fence.
    func startFence(_ region: SharedReductionRegion, label: String) throws(DistributedError) -> PendingCommunication {
        try start(label) { synapse_mpi_shared_region_fence(region.handle) }
    }
}
