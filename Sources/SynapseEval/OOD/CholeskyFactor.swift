import Foundation

/// The Cholesky factor L (lower triangular, Σ = L·Lᵀ) of a symmetric positive-definite matrix, in
/// Double: what a Mahalanobis distance needs, since (x)ᵀ Σ⁻¹ (x) = ‖L⁻¹x‖² by one forward substitution.
struct CholeskyFactor: Sendable, Equatable, Codable {
    /// The matrix size.
    let size: Int
    /// L row by row (the upper triangle is zero).
    let lower: [Double]

    /// Factors the `size × size` row-major `matrix`; nil when it is not (numerically) positive definite.
    init?(symmetric matrix: [Double], size: Int) {
        precondition(matrix.count == size * size, "CholeskyFactor: \(matrix.count) values for a \(size)×\(size) matrix")
        var l = [Double](repeating: 0, count: size * size)
        for i in 0..<size {
            for j in 0...i {
                var sum = matrix[i * size + j]
                for k in 0..<j { sum -= l[i * size + k] * l[j * size + k] }
                if i == j {
                    guard sum > 0, sum.isFinite else { return nil }
                    l[i * size + i] = sum.squareRoot()
                } else {
                    l[i * size + j] = sum / l[j * size + j]
                }
            }
        }
        self.size = size
        lower = l
    }

    /// Wraps a stored factor.
    init(size: Int, lower: [Double]) {
        self.size = size
        self.lower = lower
    }

    /// L⁻¹·x by forward substitution.
    func solveLower(_ x: [Double]) -> [Double] {
        var y = x
        lower.withUnsafeBufferPointer { l in
            for i in 0..<size {
                var sum = y[i]
                let row = i * size
                for k in 0..<i { sum -= l[row + k] * y[k] }
                y[i] = sum / l[row + i]
            }
        }
        return y
    }

    /// Σ⁻¹·b, by forward then backward substitution (L·y = b, Lᵀ·x = y).
    func solve(_ b: [Double]) -> [Double] {
        var x = solveLower(b)
        lower.withUnsafeBufferPointer { l in
            for i in stride(from: size - 1, through: 0, by: -1) {
                var sum = x[i]
                for k in (i + 1)..<size { sum -= l[k * size + i] * x[k] }
                x[i] = sum / l[i * size + i]
            }
        }
        return x
    }
}
