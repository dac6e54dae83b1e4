import CDNNLPrimitives
import Foundation
import Synchronization

/// oneDNN convolution handles (forward, backward data and backward weights, with their layout
/// reorders), cached by shape for the process lifetime: creating one takes milliseconds, running it
/// microseconds to milliseconds.
///
/// A shape oneDNN has no direct kernel for (it would fall back to its own GEMM lowering) is
/// remembered as unsupported, and `conv2d` lowers it to im2col + GEMM itself.
/// `SYNAPSE_CONV=im2col` forces that lowering everywhere (for comparisons).
final class ConvolutionPrimitives: Sendable {
    /// The process-wide cache.
    static let shared = ConvolutionPrimitives()

    /// An opaque oneDNN convolution handle owned by the cache.
    struct Handle: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer

        /// oneDNN's implementation names for forward, backward data and backward weights.
        var implementations: [String] {
            (0..<3).map { String(cString: syn_dnnl_conv_impl(pointer, Int32($0))) }
        }
    }

    /// What identifies a convolution handle (every field of `syn_conv_shape`).
    struct Key: Hashable, Sendable {
        let values: [Int64]

        init(_ s: syn_conv_shape) {
            values = [s.n, s.c, s.h, s.w, s.o, s.kh, s.kw, s.sh, s.sw, s.ph, s.pw, s.dh, s.dw, s.oh, s.ow, s.groups,
                      Int64(s.with_bias)]
        }
    }

    private let entries = Mutex([Key: Handle?]())
    private let disabled: Bool

    private init() {
        disabled = ProcessInfo.processInfo.environment["SYNAPSE_CONV"] == "im2col"
    }

    /// The handle for `shape`, created on first use; nil when oneDNN has no direct kernel for it.
    func handle(for shape: syn_conv_shape) -> Handle? {
        if disabled { return nil }
        let key = Key(shape)
        if let cached = entries.withLock({ $0[key] }) { return cached }
        var status: Int32 = 0
        let created = syn_dnnl_conv_create(shape, &status).map { Handle(pointer: $0) }
        let stored = entries.withLock { table -> Handle? in
            if let existing = table[key] { return existing }  // another thread won the race
            table[key] = .some(created)
            return created
        }
        if let created, stored?.pointer != created.pointer { syn_dnnl_conv_destroy(created.pointer) }
        return stored
    }
}
