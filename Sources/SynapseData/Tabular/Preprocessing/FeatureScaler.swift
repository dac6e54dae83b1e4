import Foundation
import SynapseCore

/// Per-feature scaling of a tensor `[N, F]` (or `[N]`, one feature), fitted on training rows and
/// applied to any split: for in-memory data such as time-series windows, where `TabularPreprocessor`
/// is more than needed.
public struct FeatureScaler: Codable, Sendable, Equatable {
    /// The scaling fitted.
    public let scaling: FeatureScaling
    /// One map per feature column.
    public let columns: [ScalingParameters]

    /// Fits `scaling` to the columns of `training` (`[N, F]`, or `[N]` as one column).
    public init(_ scaling: FeatureScaling, fittedOn training: Tensor) {
        let matrix = Self.matrix(training, op: "FeatureScaler.init")
        let values = training.contiguous().scalars
        self.scaling = scaling
        self.columns = (0..<matrix.columns).map { c in
            ScalingParameters.fit(scaling, to: (0..<matrix.rows).map { Double(values[$0 * matrix.columns + c]) })
        }
    }

    /// `x` (same feature count as the training tensor) with each column mapped.
    public func transform(_ x: Tensor) -> Tensor { map(x, op: "FeatureScaler.transform") { $0.apply($1) } }

    /// `x` mapped back to the original units (for predictions of a scaled target).
    public func inverseTransform(_ x: Tensor) -> Tensor { map(x, op: "FeatureScaler.inverseTransform") { $0.invert($1) } }

    private func map(_ x: Tensor, op: String, _ f: (ScalingParameters, Double) -> Double) -> Tensor {
        let matrix = Self.matrix(x, op: op)
        require(matrix.columns == columns.count, "\(op): tensor of shape \(x.shape) has \(matrix.columns) features, the scaler was fitted on \(columns.count)")
        let values = x.contiguous().scalars
        var out = [Float](repeating: 0, count: values.count)
        for i in values.indices { out[i] = Float(f(columns[i % matrix.columns], Double(values[i]))) }
        return Tensor(shape: x.shape, scalars: out)
    }

    private static func matrix(_ x: Tensor, op: String) -> (rows: Int, columns: Int) {
        require(x.rank == 1 || x.rank == 2, "\(op): expected a tensor [N, F] or [N], got shape \(x.shape)")
        return x.rank == 1 ? (x.shape[0], 1) : (x.shape[0], x.shape[1])
    }
}
