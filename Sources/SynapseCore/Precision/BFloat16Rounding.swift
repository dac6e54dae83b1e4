extension Tensor {
    /// This tensor's values rounded to the nearest bfloat16 (round half to even; NaN stays NaN),
    /// still stored as Float32 — the operand of a bf16 product. Its gradient is the incoming gradient
    /// unchanged (the straight-through gradient of PyTorch's `to(torch.bfloat16)` cast).
    public func roundedToBFloat16() -> Tensor {
        let c = contiguous()
        let y = Tensor.produce(shape) { out in CPUBackend.roundToBFloat16(c.basePointer, into: out, count: c.count) }
        withExtendedLifetime(c) {}
        return y.recorded("roundedToBFloat16", inputs: [self]) { g in [g] }
    }

    /// The same values, whose gradient is rounded to bfloat16 on its way back through this point:
    /// placed on the result of a bf16 product, it makes the product's backward pass consume a bf16
    /// gradient, as a bf16 kernel does.
    func gradientRoundedToBFloat16() -> Tensor {
        detached().recorded("gradientRoundedToBFloat16", inputs: [self]) { g in
            let gc = g.contiguous()
            let r = Tensor.produce(gc.shape) { out in CPUBackend.roundToBFloat16(gc.basePointer, into: out, count: gc.count) }
            withExtendedLifetime(gc) {}
            return [r]
        }
    }
}
