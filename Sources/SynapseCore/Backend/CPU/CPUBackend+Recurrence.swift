import CKernels

/// The fused LSTM cell kernels (`lm_kernels.h`), for `rows` rows of hidden size `hiddenSize`.
extension CPUBackend {
    /// One LSTM step: pre-activations gx + hw ([rows, 4h], PyTorch's i, f, g, o blocks) → the gate
    /// activations `gates`, the cell state `c` from `cPrevious`, tanh(c) and the hidden state `h`.
    static func lstmCellForward(gx: UnsafePointer<Float>, hw: UnsafePointer<Float>, gates: UnsafeMutablePointer<Float>,
                                cPrevious: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, tanhC: UnsafeMutablePointer<Float>,
                                h: UnsafeMutablePointer<Float>, rows: Int, hiddenSize: Int) {
        syn_lstm_cell_forward(gx, hw, gates, cPrevious, c, tanhC, h, rows, hiddenSize)
    }

    /// Backward of one step: from the saved `gates`, `cPrevious`, `tanhC`, the gradient of h as the
    /// sum `dh` (from the next step) + `dhOutput` (from this step's output), and `dc` (replaced by the
    /// gradient of the previous cell state), writes the pre-activation gradient.
    static func lstmCellBackward(gates: UnsafePointer<Float>, cPrevious: UnsafePointer<Float>, tanhC: UnsafePointer<Float>,
                                 dh: UnsafePointer<Float>, dhOutput: UnsafePointer<Float>, dc: UnsafeMutablePointer<Float>,
                                 dgates: UnsafeMutablePointer<Float>, rows: Int, hiddenSize: Int) {
        syn_lstm_cell_backward(gates, cPrevious, tanhC, dh, dhOutput, dc, dgates, rows, hiddenSize)
    }
}
