/// Whether operations record the autodiff tape (PyTorch's grad mode).
public enum GradMode {
    /// True unless inside `withoutGradients`.
    @TaskLocal public static var isEnabled = true
}

/// Runs `body` without recording gradients (PyTorch `torch.no_grad()`): results of ops inside do not
/// require gradients, and no tape memory is kept. Use it for inference and evaluation.
@discardableResult
public func withoutGradients<T>(_ body: () throws -> T) rethrows -> T {
    try GradMode.$isEnabled.withValue(false) { try body() }
}

/// Runs `body` with gradients recorded even inside `withoutGradients` (PyTorch
/// `torch.enable_grad()`): for computations that need a gradient of their own during evaluation,
/// such as an adversarial attack or an input attribution on a model being evaluated.
@discardableResult
public func withGradients<T>(_ body: () throws -> T) rethrows -> T {
    try GradMode.$isEnabled.withValue(true) { try body() }
}
