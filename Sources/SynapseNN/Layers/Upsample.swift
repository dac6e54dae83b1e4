import SynapseCore

/// Nearest-neighbour upsampling of images [N, C, H, W] by an integer `scale` to
/// [N, C, scale·H, scale·W], as `torch.nn.functional.interpolate(x, scale_factor=scale,
/// mode="nearest")`: every pixel becomes a scale×scale block of copies.
///
/// Built from a broadcast (`expanded`) of the pixels along two new axes, so the gradient is the
/// sum over each block without a dedicated kernel.
public func upsampleNearest(_ x: Tensor, scale: Int = 2) -> Tensor {
    require(x.rank == 4, "upsampleNearest: expected images [N, C, H, W], got \(x.shape)")
    require(scale >= 1, "upsampleNearest: the scale must be at least 1, got \(scale)")
    if scale == 1 { return x }
    let s = x.shape
    return x.unsqueezed(3).unsqueezed(5)
        .expanded(to: [s[0], s[1], s[2], scale, s[3], scale])
        .reshaped([s[0], s[1], scale * s[2], scale * s[3]])
}
