/// Identifies the values a tensor holds at one moment — its buffer, place and the buffer's write
/// count — so a cache derived from them (a layer's int8 weights) can tell when the tensor was
/// replaced or written in place. Holds the buffer, so a freed buffer's address can never alias.
package struct TensorContentStamp: @unchecked Sendable {
    let storage: TensorStorage
    let offset: Int
    let shape: [Int]
    let version: Int

    /// The stamp of `tensor` now.
    package init(_ tensor: Tensor) {
        storage = tensor.storage
        offset = tensor.offset
        shape = tensor.shape
        version = tensor.storage.version.load(ordering: .relaxed)
    }

    /// Whether `tensor` still holds the values stamped.
    package func matches(_ tensor: Tensor) -> Bool {
        tensor.storage === storage && tensor.offset == offset && tensor.shape == shape
            && tensor.storage.version.load(ordering: .relaxed) == version
    }
}
