/// The ONNX versions Synapse writes and reads.
public enum ONNXVersions {
    /// The opset of the default domain that exported graphs import (ONNX 1.12+, ONNX Runtime 1.12+).
    public static let exportOpset: Int64 = 17
    /// The IR version written beside opset 17 (the IR version that introduced it).
    public static let exportIRVersion: Int64 = 8
    /// Default-domain opsets the importer accepts: what `torch.onnx.export` writes today and the
    /// versions whose semantics for the supported operators Synapse implements.
    public static let importOpsets: ClosedRange<Int64> = 13...21
}
