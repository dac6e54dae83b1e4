extension Tensor {
    /// True when no element is NaN or ±infinity (true for an empty tensor).
    ///
    /// One branch-free vectorised pass (`CPUBackend.allFinite`), cheap enough to run on every gradient of
    /// every training step; use `firstNonFinite()` only once this says false, to name the culprit.
    public var isAllFinite: Bool {
        withUnsafeBufferPointer { b in
            guard let base = b.baseAddress, !b.isEmpty else { return true }
            return CPUBackend.allFinite(base, count: b.count)
        }
    }

    /// The flat (row-major) index and value of the first NaN or ±infinity, and how many elements
    /// are non-finite; nil when every element is finite. A scalar scan: meant for error messages.
    public func firstNonFinite() -> (index: Int, value: Float, count: Int)? {
        withUnsafeBufferPointer { b in
            var first: (Int, Float)?
            var count = 0
            for (i, v) in b.enumerated() where !v.isFinite {
                if first == nil { first = (i, v) }
                count += 1
            }
            return first.map { ($0.0, $0.1, count) }
        }
    }
}
