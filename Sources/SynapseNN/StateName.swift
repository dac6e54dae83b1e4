import SynapseCore

/// Gives a module's stored property a state-dict name different from its Swift name, so weights
/// saved by another framework load without renaming the property:
///
/// ```swift
/// final class Net: Module {
///     @StateName("conv_layers") var convLayers = [Conv2d(1, 8, kernelSize: 3)]
/// }
/// // Net().stateDict() has "conv_layers.0.weight" and "conv_layers.0.bias".
/// ```
///
/// For many names at once, override `Module.stateDictName(forProperty:)` instead.
@propertyWrapper
public struct StateName<Value> {
    /// The property's value.
    public var wrappedValue: Value
    /// The name used in `stateDict()`, `loadStateDict` and safetensors files.
    public let name: String

    /// Wraps `wrappedValue`, named `name` in state dicts.
    public init(wrappedValue: Value, _ name: String) {
        self.wrappedValue = wrappedValue
        self.name = name
    }
}

/// What `Module`'s reflection reads from a `StateName` of any value type.
protocol StateNameWrapper {
    /// The state-dict name.
    var stateName: String { get }
    /// The wrapped value, type-erased.
    var wrappedAny: Any { get }
}

extension StateName: StateNameWrapper {
    var stateName: String { name }
    var wrappedAny: Any { wrappedValue }
}
