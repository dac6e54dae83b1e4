/// The eigenvalues and eigenvectors of a real symmetric matrix, A = V·diag(values)·Vᵀ, in Double, by
/// cyclic Jacobi rotations.
///
/// There is no LAPACK in this project. Jacobi is the simplest method that is robust without one: every
/// rotation is orthogonal, so it never loses symmetry, copes with repeated and zero eigenvalues (the
/// singular covariances of a Fréchet distance) and reaches an off-diagonal norm of ε·‖A‖_F within a
/// handful of sweeps, the convergence being quadratic. A sweep costs about 6n³ flops (9n³ with the
/// vectors), which is fine for the feature widths it is used on: at n = 512, about 10 sweeps take
/// 3 s (5 s with the vectors) on one core. It is not for 2048-wide Inception features, which would
/// need a tridiagonal reduction and QR.
struct SymmetricEigendecomposition: Sendable {
    /// The matrix size n.
    let size: Int
    /// The eigenvalues, ascending (as NumPy's `eigh`).
    let values: [Double]
    /// The eigenvectors, row-major n × n: column k is the unit eigenvector of `values[k]`. Empty when
    /// they were not asked for.
    let vectors: [Double]
    /// The sweeps run (each rotates every off-diagonal pair once). Equal to `maxSweeps` when the cap
    /// was reached: the off-diagonal norm may then be above ε·‖A‖_F, and the values are only as good
    /// as the last sweep left them.
    let sweeps: Int

    /// Diagonalises the `size × size` row-major `matrix`. Only its symmetric part (A + Aᵀ)/2 is used,
    /// so a product that is symmetric up to rounding needs no cleaning first.
    /// - Parameters:
    ///   - computeVectors: false saves the cost of accumulating the rotations when only the
    ///     eigenvalues are needed.
    ///   - maxSweeps: the most sweeps to run. Quadratic convergence needs about 6–12 at n ≤ 512; the
    ///     cap only keeps a pathological input from looping forever.
    init(symmetric matrix: [Double], size n: Int, computeVectors: Bool = true, maxSweeps: Int = 64) {
        precondition(n >= 0 && matrix.count == n * n, "SymmetricEigendecomposition: \(matrix.count) values for a \(n)×\(n) matrix")
        var a = matrix
        for i in 0..<n {
            for j in (i + 1)..<n {
                let mean = (a[i * n + j] + a[j * n + i]) / 2
                a[i * n + j] = mean
                a[j * n + i] = mean
            }
        }
        var v = [Double](repeating: 0, count: computeVectors ? n * n : 0)
        if computeVectors { for i in 0..<n { v[i * n + i] = 1 } }
        let sweeps = a.withUnsafeMutableBufferPointer { a in
            v.withUnsafeMutableBufferPointer { v in
                Self.rotate(a, v, size: n, maxSweeps: maxSweeps)
            }
        }
        // Ascending order, the eigenvectors' columns permuted with their eigenvalues.
        let order = (0..<n).sorted { a[$0 * n + $0] < a[$1 * n + $1] }
        values = order.map { a[$0 * n + $0] }
        if computeVectors {
            // `v` holds Vᵀ (see `rotate`): eigenvector `order[k]` is its row, our column k.
            var sorted = [Double](repeating: 0, count: n * n)
            for (k, row) in order.enumerated() {
                for r in 0..<n { sorted[r * n + k] = v[row * n + r] }
            }
            vectors = sorted
        } else {
            vectors = []
        }
        size = n
        self.sweeps = sweeps
    }

    /// One rotation of a round: the pair (p, q) and J's cosine and sine.
    private struct Rotation {
        let p: Int, q: Int, c: Double, s: Double
    }

    /// Runs sweeps of Jacobi rotations on `a` (symmetric, full storage) until its off-diagonal norm
    /// is at most ε·‖A‖_F, accumulating them into `v` (Vᵀ, one eigenvector per row) when it is not
    /// empty; returns the sweeps run.
    ///
    /// The pairs are visited in the round-robin (tournament) order of parallel Jacobi methods, a
    /// cyclic order too: a sweep is n − 1 rounds of n/2 disjoint pairs, every pair once. Disjoint
    /// rotations commute, so a round rotates A one row at a time, where rotating one pair at a time
    /// writes its two columns with a stride of n: at n = 512 (a 2 MB matrix, beyond L2) that made the
    /// decomposition two to three times slower.
    private static func rotate(_ a: UnsafeMutableBufferPointer<Double>, _ v: UnsafeMutableBufferPointer<Double>,
                               size n: Int, maxSweeps: Int) -> Int {
        // ‖A‖_F is invariant under the rotations, so one tolerance serves every sweep.
        let norm = a.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard n > 1, norm > 0, norm.isFinite else { return 0 }
        let tolerance = Double.ulpOfOne * norm
        // Pairs this small are left alone: rotating them would only churn rounding errors, and if
        // every pair is below it the off-diagonal norm is below `tolerance` (n(n−1) entries of at
        // most tolerance/n), so the loop is bound to stop.
        let negligible = tolerance / Double(n)
        let base = a.baseAddress!
        // An empty array's buffer may still have a base address (the shared empty storage): the
        // count, not the pointer, says whether the vectors are wanted.
        let vectors = v.isEmpty ? nil : v.baseAddress
        // The tournament's players; an odd n gets a dummy player n, whose pairs are byes.
        let players = n + n % 2
        var seats = Array(0..<players)
        // This round's rotations, by seat (nil: a bye, or a pair too small to rotate), and the
        // rotated diagonal entries, which are more accurate from their formula than from the passes.
        var round = [Rotation?](repeating: nil, count: players / 2)
        var active: [Rotation] = []
        var newDiagonal: [(index: Int, value: Double)] = []
        var sweeps = 0
        while sweeps < maxSweeps {
            // Rows and columns are rotated in different orders, so A drifts from symmetry by a few
            // ulps per sweep; the upper triangle is the one the rotations read, and is copied down.
            var offDiagonal = 0.0
            for p in 0..<(n - 1) {
                for q in (p + 1)..<n {
                    let apq = a[p * n + q]
                    offDiagonal += apq * apq
                    a[q * n + p] = apq
                }
            }
            if (2 * offDiagonal).squareRoot() <= tolerance { break }
            sweeps += 1
            for _ in 0..<(players - 1) {
                active.removeAll(keepingCapacity: true)
                newDiagonal.removeAll(keepingCapacity: true)
                for seat in 0..<(players / 2) {
                    round[seat] = nil
                    let p = min(seats[seat], seats[players - 1 - seat]), q = max(seats[seat], seats[players - 1 - seat])
                    guard q < n else { continue }  // a bye
                    let apq = a[p * n + q]
                    guard abs(apq) > negligible else { continue }
                    let app = a[p * n + p], aqq = a[q * n + q]
                    // The rotation (c, s) = (cos φ, sin φ) that zeroes a_pq: t = tan φ is the smaller
                    // root of t² + 2θt − 1 = 0, which keeps |φ| ≤ π/4 (the choice that converges).
                    let theta = (aqq - app) / (2 * apq)
                    let t = abs(theta) > 1e150
                        ? 1 / (2 * theta)  // θ² would overflow; t ≈ 1/(2θ) to full precision there
                        : (theta < 0 ? -1.0 : 1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot()
                    round[seat] = Rotation(p: p, q: q, c: c, s: t * c)
                    active.append(Rotation(p: p, q: q, c: c, s: t * c))
                    newDiagonal.append((p, app - t * apq))
                    newDiagonal.append((q, aqq + t * apq))
                }
                if !active.isEmpty {
                    // A ← Jᵀ A J in one pass over A: each row gets the column rotations (A J), then
                    // each pair of rows its row rotation (Jᵀ ·). The two sides commute, so every row
                    // is read and written once per round, while it is in cache.
                    for seat in 0..<(players / 2) {
                        let first = seats[seat], second = seats[players - 1 - seat]
                        if first < n { rotateColumns(of: base + first * n, active) }
                        if second < n { rotateColumns(of: base + second * n, active) }
                        if let rotation = round[seat] {
                            rotateRows(base + rotation.p * n, base + rotation.q * n, count: n, rotation)
                        }
                    }
                    for rotation in active {
                        a[rotation.p * n + rotation.q] = 0
                        a[rotation.q * n + rotation.p] = 0
                    }
                    for (index, value) in newDiagonal { a[index * n + index] = value }
                    // V ← V J, kept transposed so that V's columns p and q are contiguous rows.
                    if let vectors {
                        for rotation in active {
                            rotateRows(vectors + rotation.p * n, vectors + rotation.q * n, count: n, rotation)
                        }
                    }
                }
                // The next round: every seat but the first moves one place round the table.
                let last = seats[players - 1]
                for seat in stride(from: players - 1, to: 1, by: -1) { seats[seat] = seats[seat - 1] }
                seats[1] = last
            }
        }
        return sweeps
    }

    /// (row[p], row[q]) ← (c·row[p] − s·row[q], s·row[p] + c·row[q]) for each rotation: one row of A J.
    @inline(__always)
    private static func rotateColumns(of row: UnsafeMutablePointer<Double>, _ rotations: [Rotation]) {
        for rotation in rotations {
            let x = row[rotation.p], y = row[rotation.q]
            row[rotation.p] = rotation.c * x - rotation.s * y
            row[rotation.q] = rotation.s * x + rotation.c * y
        }
    }

    /// (x, y) ← (c·x − s·y, s·x + c·y) along two rows.
    @inline(__always)
    private static func rotateRows(_ x: UnsafeMutablePointer<Double>, _ y: UnsafeMutablePointer<Double>, count: Int,
                                   _ rotation: Rotation) {
        let c = rotation.c, s = rotation.s
        for i in 0..<count {
            let xi = x[i], yi = y[i]
            x[i] = c * xi - s * yi
            y[i] = s * xi + c * yi
        }
    }
}
