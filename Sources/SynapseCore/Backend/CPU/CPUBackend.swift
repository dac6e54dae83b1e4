/// The CPU backend's boundary: the one namespace that runs C kernels on raw buffers and splits
/// the work across the thread pool. An op in `Sources/SynapseCore/Ops` checks its arguments,
/// allocates outputs, records its VJP and calls a `CPUBackend` function for the numbers; it does
/// not call C functions itself, so a second backend replaces these functions, not the ops.
///
/// Migration status (kept honest here): the row ops (`softmax`, `logSoftmax`, `crossEntropy`,
/// `layerNorm`, `causalSoftmax`) and the Adam update go through `CPUBackend`. Element-wise,
/// reduction, finiteness, pooling, convolution, LSTM and linear ops still call `CKernels` / oneDNN
/// directly; their caches and primitives (`PrimitiveLinear`, `SmallLinear`, `ConvolutionPrimitives`,
/// `PackedWeightCache`, ...) already live beside this file and move under this namespace as those
/// ops migrate.
enum CPUBackend {}
