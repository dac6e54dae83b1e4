import SynapseCore

/// The `[..., H, W]` reading of an image example shared by the image transforms: every leading
/// dimension (usually just channels) is a stack of `H×W` planes.
struct ImageLayout {
    /// Number of `H×W` planes (product of the leading dimensions, 1 for an `[H, W]` image).
    let planes: Int
    /// Image height.
    let height: Int
    /// Image width.
    let width: Int

    /// The layout of `shape`, stopping with a message naming `op` when it is not an image.
    init(_ shape: [Int], op: String) {
        require(shape.count >= 2, "\(op): expects an image of shape [C, H, W] or [H, W], got \(shape)")
        height = shape[shape.count - 2]
        width = shape[shape.count - 1]
        planes = shape.dropLast(2).reduce(1, *)
    }
}
