/// The arithmetic precision of matrix products and convolutions.
public enum ComputePrecision: String, Sendable, CaseIterable, Codable {
    /// Float32 operands and accumulation (the default).
    case float32
    /// bfloat16 operands (8 significand bits) with Float32 accumulation and Float32 results: half the
    /// operand bandwidth, and twice the multiply rate on CPUs with AVX-512 BF16 or AMX.
    case bfloat16
    /// IEEE float16 operands (11 significand bits, range ±65504, subnormals below 2⁻¹⁴) with Float32
    /// accumulation and Float32 results. More precise than bfloat16 but with a narrow range: gradients
    /// underflow to zero unless the loss is scaled (`GradientScaler`, which `Trainer` turns on for
    /// this precision). On CPUs without float16 arithmetic the products run as Float32 kernels on the
    /// rounded operands — the same numbers, no speed-up.
    case float16
}

/// Automatic mixed precision, PyTorch's `torch.autocast(device_type="cpu", dtype=torch.bfloat16)`
/// (or `dtype=torch.float16`).
///
/// Inside `autocast(.bfloat16) { ... }`, `linear`, `matmul`, `conv2d` and `conv1d` round their
/// operands (input, weight and bias) to bfloat16 and accumulate in Float32 (`autocast(.float16)`
/// does the same with IEEE float16, see `ComputePrecision.float16`); everything else — element-wise
/// ops, reductions, softmax, normalisation, losses — stays in Float32, and so do the master weights
/// and the optimiser state, because the rounding happens on the way into each product and is not
/// stored. In the backward pass the incoming gradient of each of those products is rounded to bfloat16
/// too (what a bf16 kernel consumes) and the gradients it produces are Float32; the cast itself has the
/// straight-through gradient, as PyTorch's `to(bfloat16)` does.
///
/// One difference from PyTorch, on purpose: a product's *result* is Float32 (oneDNN accumulates in
/// Float32 and writes Float32), where PyTorch rounds it to bfloat16 and runs the following
/// element-wise ops in bfloat16. Ours is the more accurate of the two; the fixtures that compare the
/// two document the tolerance this needs.
///
/// Where the CPU has bf16 instructions, the products run on oneDNN's bf16 kernels; elsewhere they run
/// as Float32 kernels on the rounded operands, which computes the same bf16 × bf16 → Float32 products
/// (only the summation order may differ) at Float32 speed — see `implementation`. Float16 products
/// always run that way (emulated): they are for models and numerics that need float16, not for
/// speed on CPUs.
///
/// Float16 gradients underflow: train at `.float16` with loss scaling (`GradientScaler`).
public enum Autocast {
    /// The precision that products run at in the current task (`.float32` outside `autocast`).
    @TaskLocal public static var precision: ComputePrecision = .float32

    /// Whether bf16 products run on native bf16 kernels on this machine.
    public static var isNative: Bool { BFloat16GEMM.status.native }

    /// How bf16 products run on this machine, e.g. `oneDNN bf16 matmul (brg:avx512_core_bf16)`, or
    /// why they are emulated.
    public static var implementation: String { BFloat16GEMM.status.description }
}

/// Runs `body` with matrix products and convolutions at `precision` (see `Autocast`); `.float32`
/// turns autocast off inside an autocast region (PyTorch's `enabled=False`).
///
/// ```swift
/// let loss = autocast(.bfloat16) { crossEntropy(model(x), labels) }
/// loss.backward()   // gradients of the bf16 products, accumulated into Float32 weights
/// ```
@discardableResult
public func autocast<T>(_ precision: ComputePrecision, _ body: () throws -> T) rethrows -> T {
    try Autocast.$precision.withValue(precision) { try body() }
}
