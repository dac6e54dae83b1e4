/// The inference server behind `synapse serve` (see docs/serving.md).
public enum SynapseServe {}
