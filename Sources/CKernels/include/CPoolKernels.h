#ifndef SYNAPSE_CPOOL_KERNELS_H
#define SYNAPSE_CPOOL_KERNELS_H
// Pooling backward kernels (the forward ones are in kernels.c).
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Max-pooling backward pass for planes [p0, p1): writes dx (each plane `plane_in` elements) as zero
/// except at each window's recorded maximum `idx` (flat in-plane offset, −1 for none), where the
/// window's gradient dy accumulates. Planes are disjoint, so callers split [p0, p1) across threads.
/// `y`, when not NULL, is the forward output of a pooling with ReLU (`syn_maxpool2d` with `relu`):
/// windows whose output is ≤ 0 then send nothing back, which is ReLU's gradient applied on the way.
void syn_maxpool2d_backward(const float *dy, const int32_t *idx, const float *y, float *dx, int64_t plane_in,
                            int64_t plane_out, int64_t p0, int64_t p1);

#ifdef __cplusplus
}
#endif
#endif
