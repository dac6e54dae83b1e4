/// Shape arithmetic shared by the ops: strides, broadcasting, dimension normalisation.
enum ShapeMath {
    /// Row-major (C order) strides of a dense tensor with `shape`.
    static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = acc
            acc *= shape[i]
        }
        return strides
    }

    /// Number of elements of `shape`.
    static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// NumPy/PyTorch broadcast of two shapes, or nil if they are incompatible.
    static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let n = Swift.max(a.count, b.count)
        var out = [Int](repeating: 1, count: n)
        for i in 0..<n {
            let da = i < n - a.count ? 1 : a[i - (n - a.count)]
            let db = i < n - b.count ? 1 : b[i - (n - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
        }
        return out
    }

    /// Broadcast `shapes`, stopping with a message naming `op` and the shapes when they don't match.
    static func broadcastOrFail(_ a: [Int], _ b: [Int], op: String) -> [Int] {
        guard let s = broadcast(a, b) else {
            requireFailure("\(op): shapes \(a) and \(b) cannot be broadcast together")
        }
        return s
    }

    /// A negative `dim` counts from the end; checks the range and names `op` on failure.
    static func normalize(_ dim: Int, rank: Int, op: String) -> Int {
        let d = dim < 0 ? dim + rank : dim
        require(d >= 0 && d < Swift.max(rank, 1), "\(op): dimension \(dim) is out of range for a tensor of rank \(rank)")
        return d
    }
}
