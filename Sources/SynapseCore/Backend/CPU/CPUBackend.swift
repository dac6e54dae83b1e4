/// The CPU backend's boundary: the one namespace that runs C kernels on raw buffers and splits
/// the work across the thread pool. An op in `Sources/SynapseCore/Ops` checks its arguments,
/// allocates outputs, records its VJP and calls a `CPUBackend` function for the numbers; it does
/// not call C functions itself, so a second backend replaces these functions, not the ops.
///
/// Every C kernel and oneDNN call of the core lives under `Backend/CPU` (this namespace, its
/// extensions per kernel family, and the primitive caches beside it: `PrimitiveLinear`,
/// `SmallLinear`, `ConvolutionPrimitives`, `DNNLPrimitiveCache`, `PackedWeightCache`, `QuantizedGEMM`,
/// `BroadcastKernel`, `ConvolutionLowering`); the only other C user is the thread pool's runtime
/// (`Runtime/ThreadPool.swift`). `scripts/check-layering.py` fails CI if a file elsewhere in the
/// core imports a C module.
enum CPUBackend {}
