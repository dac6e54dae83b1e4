import Foundation

/// A weight matrix [rows, columns] stored as signed 8-bit integers with one scale per row (output
/// channel), symmetric around 0: w ≈ q·scale[row]. PyTorch's `per_channel_symmetric` qint8 weights.
///
/// Immutable once made and shared freely between threads; the integers stay in the layer's own
/// [out, in] layout, which oneDNN's int8 GEMM reads in place.
public final class QuantizedWeights: @unchecked Sendable {
    /// Rows (output channels).
    public let rows: Int
    /// Columns (input features).
    public let columns: Int
    /// One scale per row, each finite and positive.
    public let scales: [Float]
    private let storage: UnsafeMutablePointer<Int8>

    /// Quantizes `weight` [rows, columns] per row as PyTorch's `PerChannelMinMaxObserver(qscheme=
    /// per_channel_symmetric, dtype=qint8)` does: scale = max|w| / 127.5 (machine epsilon at least),
    /// q = clamp(round(w · (1 / scale)), −128, 127), rounding half to even. `weight` must be finite.
    public convenience init(quantizing weight: Tensor) {
        require(weight.rank == 2, "QuantizedWeights: expected a weight matrix [out, in], got \(weight.shape)")
        require(weight.isAllFinite, "QuantizedWeights: the weight \(weight.shape) holds NaN or infinity")
        let (rows, columns) = (weight.shape[0], weight.shape[1])
        let w = weight.contiguous().scalars
        let scales = perChannelSymmetricScales(weight)
        var values = [Int8](repeating: 0, count: rows * columns)
        for r in 0..<rows {
            // Multiplied by the reciprocal, as PyTorch's kernels do: the largest weight lands on
            // ±127.5 and its rounding (to even) must agree with theirs.
            let inverse = 1 / scales[r]
            for c in 0..<columns {
                let q = (w[r * columns + c] * inverse).rounded(.toNearestOrEven)
                values[r * columns + c] = Int8(Swift.min(Swift.max(q, -128), 127))
            }
        }
        self.init(rows: rows, columns: columns, values: values, scales: scales)
    }

    /// Integers and scales as stored (e.g. read from a file). The caller has checked that `values`
    /// holds rows·columns integers and every scale is finite and positive.
    public init(rows: Int, columns: Int, values: [Int8], scales: [Float]) {
        require(rows > 0 && columns > 0 && values.count == rows * columns && scales.count == rows,
                "QuantizedWeights: \(values.count) values and \(scales.count) scales for [\(rows), \(columns)]")
        require(scales.allSatisfy { $0.isFinite && $0 > 0 }, "QuantizedWeights: scales must be finite and positive")
        self.rows = rows
        self.columns = columns
        self.scales = scales
        storage = .allocate(capacity: values.count)
        storage.initialize(from: values, count: values.count)
    }

    deinit { storage.deallocate() }

    /// The integers, row-major [rows, columns].
    public var values: [Int8] { Array(UnsafeBufferPointer(start: storage, count: rows * columns)) }

    /// The integers in place (for the kernels).
    var pointer: UnsafePointer<Int8> { UnsafePointer(storage) }

    /// The real matrix the integers stand for, q·scale[row].
    public func dequantized() -> Tensor {
        Tensor(shape: [rows, columns]) { out in
            for r in 0..<rows {
                let s = scales[r]
                for c in 0..<columns { out[r * columns + c] = Float(storage[r * columns + c]) * s }
            }
        }
    }

    /// Bytes the integers and scales take.
    public var byteCount: Int { rows * columns + rows * 4 }
}
