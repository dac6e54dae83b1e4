import Foundation
import SynapseCore

/// The classic linear anomaly baseline (as PyOD's `PCA` detector, scored by reconstruction): the
/// top principal components of normal training data span a subspace; an example's score is the
/// mean squared distance of its centred features from that subspace. An autoencoder earns its
/// keep only by beating it.
public struct PCAReconstructionScorer: Sendable {
    /// The training mean [D].
    public let mean: Tensor
    /// Orthonormal principal directions as columns [D, k], largest variance first.
    public let components: Tensor

    /// Fits `componentCount` components to `rows` [N, D] of normal examples by subspace iteration
    /// on their covariance (seeded, `iterations` products of the D×D covariance with D×k).
    public init(fitting rows: Tensor, componentCount: Int, iterations: Int = 60, seed: UInt64 = 0) {
        require(rows.rank == 2 && rows.shape[0] > 1, "PCAReconstructionScorer: expected rows [N > 1, D], got \(rows.shape)")
        let d = rows.shape[1]
        require(componentCount >= 1 && componentCount <= d, "PCAReconstructionScorer: \(componentCount) components of \(d) features")
        let x = rows.detached()
        mean = x.mean(dim: 0)
        let centred = x - mean
        let covariance = matmul(centred.transposed(), centred) * (1 / Float(rows.shape[0] - 1))
        var basis = Tensor.randn([d, componentCount], generator: RandomGenerator(seed: seed))
        for _ in 0..<iterations { basis = Self.orthonormalColumns(matmul(covariance, basis)) }
        // Order the converged directions by the variance they carry (the Rayleigh quotients).
        let variances = (basis * matmul(covariance, basis)).sum(dim: 0).scalars
        let order = variances.indices.sorted { variances[$0] > variances[$1] }
        let b = basis.contiguous().scalars
        components = Tensor(shape: [d, componentCount], scalars: (0..<d).flatMap { r in order.map { b[r * componentCount + $0] } })
    }

    /// Columns of `m` [D, k] made orthonormal (modified Gram–Schmidt, in Double).
    static func orthonormalColumns(_ m: Tensor) -> Tensor {
        let d = m.shape[0], k = m.shape[1], s = m.contiguous().scalars
        var columns = (0..<k).map { c in (0..<d).map { Double(s[$0 * k + c]) } }
        for c in 0..<k {
            for p in 0..<c {
                let dot = zip(columns[c], columns[p]).reduce(0) { $0 + $1.0 * $1.1 }
                for i in 0..<d { columns[c][i] -= dot * columns[p][i] }
            }
            let norm = columns[c].reduce(0) { $0 + $1 * $1 }.squareRoot()
            for i in 0..<d { columns[c][i] = norm > 0 ? columns[c][i] / norm : (i == c ? 1 : 0) }
        }
        return Tensor(shape: [d, k], scalars: (0..<d).flatMap { r in (0..<k).map { Float(columns[$0][r]) } })
    }

    /// Each row's mean squared residual after projection onto the components, [N].
    public func scores(_ rows: Tensor) -> Tensor {
        require(rows.rank == 2 && rows.shape[1] == mean.shape[0],
                "PCAReconstructionScorer.scores: expected rows [N, \(mean.shape[0])], got \(rows.shape)")
        let centred = rows.detached() - mean
        let residual = centred - matmul(matmul(centred, components), components.transposed())
        return (residual * residual).mean(dim: 1)
    }
}
