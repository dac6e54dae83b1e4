/// Wraps raw pointers so `@Sendable` closures may capture them; the kernels that use this guarantee
/// that threads touch disjoint ranges. This is the one place such a wrapper exists.
@usableFromInline
struct SendablePointer<T>: @unchecked Sendable {
    @usableFromInline let pointer: UnsafeMutablePointer<T>
    @usableFromInline init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
    @usableFromInline init(_ pointer: UnsafePointer<T>) { self.pointer = UnsafeMutablePointer(mutating: pointer) }
}

/// Minimum elements per thread before an elementwise kernel is split across threads.
let elementwiseGrain = 16_384

/// Runs `body(range)` over `0..<count` on the shared pool in chunks of at least `grain`.
func parallelChunks(_ count: Int, grain: Int = elementwiseGrain, _ body: (Range<Int>) -> Void) {
    ThreadPool.shared.parallelFor(count, grain: grain, body)
}
