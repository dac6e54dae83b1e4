import SynapseCore

/// Mean squared error (PyTorch `mse_loss`).
public func mseLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
    checkSameShape(input, target, "mseLoss")
    return reduction.apply(square(input - target))
}

/// Mean absolute error (PyTorch `l1_loss`).
public func l1Loss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
    checkSameShape(input, target, "l1Loss")
    return reduction.apply(abs(input - target))
}

/// Huber loss: ½d² where |d| < δ, δ(|d| − ½δ) elsewhere (PyTorch `huber_loss`).
public func huberLoss(_ input: Tensor, _ target: Tensor, delta: Float = 1, reduction: Reduction = .mean) -> Tensor {
    checkSameShape(input, target, "huberLoss")
    let d = abs(input - target)
    let quadratic = square(d) * 0.5
    let linear = (d - 0.5 * delta) * delta
    return reduction.apply(Tensor.where(d.detached().lt(delta), quadratic, linear))
}

/// Smooth L1: ½d²/β where |d| < β, |d| − ½β elsewhere (PyTorch `smooth_l1_loss`).
public func smoothL1Loss(_ input: Tensor, _ target: Tensor, beta: Float = 1, reduction: Reduction = .mean) -> Tensor {
    checkSameShape(input, target, "smoothL1Loss")
    if beta == 0 { return l1Loss(input, target, reduction: reduction) }
    let d = abs(input - target)
    return reduction.apply(Tensor.where(d.detached().lt(beta), square(d) * (0.5 / beta), d - 0.5 * beta))
}
