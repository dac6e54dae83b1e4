import SynapseCore

/// Several transforms applied one after another (torchvision's `Compose`).
///
/// ```swift
/// let augment = Compose(RandomCrop(size: 28, padding: 2), RandomHorizontalFlip(), GaussianNoise(standardDeviation: 0.05))
/// ```
public struct Compose<Value>: RandomTransform {
    /// The transforms, in the order they are applied.
    public let transforms: [any RandomTransform<Value>]

    /// A pipeline of `transforms`, applied first to last.
    public init(_ transforms: [any RandomTransform<Value>]) { self.transforms = transforms }

    /// A pipeline of `first` then `rest`, applied in that order.
    public init<First: RandomTransform>(_ first: First, _ rest: any RandomTransform<Value>...) where First.Value == Value {
        self.transforms = [first] + rest
    }

    /// `value` passed through every transform in order.
    public func callAsFunction(_ value: Value, using generator: RandomGenerator) -> Value {
        transforms.reduce(value) { $1.callAsFunction($0, using: generator) }
    }
}
