extension Tensor {
    /// This tensor's values rounded to the nearest bfloat16 (round half to even; NaN stays NaN),
    /// still stored as Float32 — the operand of a bf16 product. Its gradient is the incoming gradient
    /// unchanged (the straight-through gradient of PyTorch's `to(torch.bfloat16)` cast).
    public func roundedToBFloat16() -> Tensor { rounded(to: .bfloat16) }

    /// This tensor's values rounded to the nearest IEEE float16 (round half to even), still stored as
    /// Float32 — the operand of a float16 product. Float16's range is narrow: magnitudes from 65520 up
    /// become ±inf, those below 2⁻¹⁴ keep less precision (subnormals, quantum 2⁻²⁴) and those below
    /// 2⁻²⁵ become ±0; NaN stays NaN. Its gradient is the incoming gradient unchanged (the
    /// straight-through gradient of PyTorch's `to(torch.float16)` cast).
    public func roundedToFloat16() -> Tensor { rounded(to: .float16) }

    /// The values rounded to `precision`'s operand format (itself at `.float32`), with the
    /// straight-through gradient.
    package func rounded(to precision: ComputePrecision) -> Tensor {
        guard precision != .float32 else { return self }
        let c = contiguous()
        let y = Tensor.produce(shape) { out in CPUBackend.round(c.basePointer, into: out, count: c.count, to: precision) }
        withExtendedLifetime(c) {}
        return y.recorded(precision == .bfloat16 ? "roundedToBFloat16" : "roundedToFloat16", inputs: [self]) { g in [g] }
    }

    /// The same values, whose gradient is rounded to `precision` on its way back through this point:
    /// placed on the result of a reduced-precision product, it makes the product's backward pass
    /// consume a gradient in that format, as a bf16 or float16 kernel does. (At float16 this is where
    /// small gradients underflow to zero and large ones overflow to ±inf — what loss scaling is for.)
    func gradientRounded(to precision: ComputePrecision) -> Tensor {
        guard precision != .float32 else { return self }
        return detached().recorded("gradientRounded(\(precision.rawValue))", inputs: [self]) { g in
            let gc = g.contiguous()
            let r = Tensor.produce(gc.shape) { out in CPUBackend.round(gc.basePointer, into: out, count: gc.count, to: precision) }
            withExtendedLifetime(gc) {}
            return [r]
        }
    }
}
