import CKernels

/// The element-wise function a unary kernel applies (`syn_unary_op`).
@usableFromInline
enum UnaryKernel: Sendable {
    case exp, log, sqrt, tanh, sigmoid, relu, abs, negate, leakyRelu, elu, selu, silu, softplus, geluErf, geluTanh, square

    /// The C kernel's selector.
    fileprivate var selector: syn_unary_op {
        switch self {
        case .exp: SYN_EXP
        case .log: SYN_LOG
        case .sqrt: SYN_SQRT
        case .tanh: SYN_TANH
        case .sigmoid: SYN_SIGMOID
        case .relu: SYN_RELU
        case .abs: SYN_ABS
        case .negate: SYN_NEG
        case .leakyRelu: SYN_LEAKY_RELU
        case .elu: SYN_ELU
        case .selu: SYN_SELU
        case .silu: SYN_SILU
        case .softplus: SYN_SOFTPLUS
        case .geluErf: SYN_GELU_ERF
        case .geluTanh: SYN_GELU_TANH
        case .square: SYN_SQUARE
        }
    }
}

/// The arithmetic a binary kernel applies (`syn_binary_op`); `maximum`/`minimum` propagate NaN.
enum BinaryKernel: Sendable {
    case add, subtract, multiply, divide, maximum, minimum

    /// The C kernel's selector.
    fileprivate var selector: syn_binary_op {
        switch self {
        case .add: SYN_ADD
        case .subtract: SYN_SUB
        case .multiply: SYN_MUL
        case .divide: SYN_DIV
        case .maximum: SYN_MAX
        case .minimum: SYN_MIN
        }
    }
}

/// Element-wise kernels on dense float32 buffers of `count` elements. The ops split large buffers
/// across the thread pool and call these per chunk; each call is one vectorised pass.
extension CPUBackend {
    /// y = f(x) for the unary kernel `kind`; `a` and `b` are its parameters (a negative slope, alpha,
    /// softplus's beta and threshold), ignored by kernels without any.
    static func unary(_ kind: UnaryKernel, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int,
                      a: Float = 0, b: Float = 0) {
        syn_unary(kind.selector, x, y, count, a, b)
    }

    /// dx = dy · f′ for the unary kernel `kind`, from its input `x` and output `y`.
    static func unaryBackward(_ kind: UnaryKernel, x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                              into dx: UnsafeMutablePointer<Float>, count: Int, a: Float = 0, b: Float = 0) {
        syn_unary_backward(kind.selector, x, y, dy, dx, count, a, b)
    }

    /// y = min(max(x, lo), hi).
    static func clamp(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int, lo: Float, hi: Float) {
        syn_clamp(x, y, count, lo, hi)
    }

    /// z = a ∘ b element by element.
    static func binary(_ op: BinaryKernel, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                       into z: UnsafeMutablePointer<Float>, count: Int) {
        syn_binary(op.selector, a, b, z, count)
    }

    /// z = a ∘ s for every element of `a`.
    static func binary(_ op: BinaryKernel, _ a: UnsafePointer<Float>, scalar s: Float, into z: UnsafeMutablePointer<Float>,
                       count: Int) {
        syn_binary_scalar(op.selector, a, s, z, count)
    }

    /// z = s ∘ a for every element of `a`.
    static func binary(_ op: BinaryKernel, scalar s: Float, _ a: UnsafePointer<Float>, into z: UnsafeMutablePointer<Float>,
                       count: Int) {
        syn_scalar_binary(op.selector, s, a, z, count)
    }

    /// y += alpha · x.
    static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        syn_axpy(alpha, x, y, count)
    }
}
