/// The version of the Synapse library and its tools, printed by `synapse --version`.
public enum SynapseVersion {
    /// The current version string (semantic versioning). Bump it when a release is tagged.
    public static let current = "0.9.0"
}
