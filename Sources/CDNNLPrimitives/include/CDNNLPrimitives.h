#ifndef SYNAPSE_CDNNL_PRIMITIVES_H
#define SYNAPSE_CDNNL_PRIMITIVES_H
// Small C glue over oneDNN's primitive API (2.x), so Swift does not juggle fixed-size dims arrays.
// Creating a primitive is slow (tens of microseconds to milliseconds); callers cache the handles.
#include <stddef.h>
#include <stdint.h>
#include "CDNNLConvolution.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Element types understood by the glue. U8 sources with S8 weights make an int8 matmul (see
/// `syn_dnnl_qmatmul_create`).
typedef enum { SYN_DT_F32 = 0, SYN_DT_BF16 = 1, SYN_DT_U8 = 2, SYN_DT_S8 = 3 } syn_dt;

/// A 2-D operand: element type and row/column strides (in elements), so transposed views need no copy.
typedef struct { syn_dt dtype; int64_t row_stride; int64_t col_stride; } syn_operand;

/// Creates a matmul primitive computing C[M,N] (f32, row-major, leading dimension ldc) = A[M,K]·B[K,N]
/// (+ bias[N] when `with_bias`, then ReLU when `relu`). Returns NULL and writes oneDNN's status to
/// `status` when the configuration is unsupported (e.g. bf16 on a CPU without bf16 support).
void *syn_dnnl_matmul_create(int64_t m, int64_t n, int64_t k, syn_operand a, syn_operand b,
                             int with_bias, int relu, int64_t ldc, int *status);
/// Like `syn_dnnl_matmul_create`, but B is expected in the layout oneDNN prefers for this shape
/// ("any"): pack B once with `syn_dnnl_matmul_pack_b` and pass the packed buffer to execute.
void *syn_dnnl_matmul_create_packed(int64_t m, int64_t n, int64_t k, syn_operand a, syn_dt b_type,
                                    int with_bias, int relu, int64_t ldc, int *status);
/// Bytes of the packed B buffer a packed primitive expects.
size_t syn_dnnl_matmul_packed_b_size(void *primitive);
/// Reorders a plain f32 B [k, n] (given strides) into `packed` (syn_dnnl_matmul_packed_b_size bytes).
int syn_dnnl_matmul_pack_b(void *primitive, const float *b, int64_t row_stride, int64_t col_stride, void *packed);
/// Runs a primitive from `syn_dnnl_matmul_create` on the given buffers. Returns oneDNN's status (0 = ok).
/// Safe to call from many threads at once on the same primitive.
int syn_dnnl_matmul_execute(void *primitive, const void *a, const void *b, const float *bias, float *c);
/// Creates an int8 matmul: C[M,N] (f32, row-major, leading dimension n) = scales[n]·Σₖ (A[m,k] − zp)·W[n,k]
/// with A u8 row-major [m, k] and W s8 row-major [n, k] (a Linear layer's own layout, read in place).
/// Scales (one per output column) and, when `with_zero_point`, the source zero point are given at
/// execution time, so one primitive serves every batch of a dynamically quantized layer. No bias:
/// oneDNN 2.x adds an int8 primitive's bias before the output scale, so callers add theirs after.
/// On CPUs without VNNI the u8·s8 pair sums saturate at 16 bits: keep sources within 0…127.
void *syn_dnnl_qmatmul_create(int64_t m, int64_t n, int64_t k, int with_zero_point, int *status);
/// Runs a primitive from `syn_dnnl_qmatmul_create`. Returns oneDNN's status (0 = ok); thread-safe
/// like `syn_dnnl_matmul_execute`.
int syn_dnnl_qmatmul_execute(void *primitive, const uint8_t *a, const int8_t *w, const float *scales,
                             int32_t zero_point, float *c);
/// The most executions of this primitive seen running at the same time (executions never queue:
/// each thread brings its own stream and scratchpad). For tests.
int syn_dnnl_matmul_max_concurrency(void *primitive);
/// The implementation oneDNN chose for a primitive (e.g. "brg:avx512_core_bf16"), for reports.
const char *syn_dnnl_primitive_impl(void *primitive);
/// Destroys a primitive.
void syn_dnnl_primitive_destroy(void *primitive);

#ifdef __cplusplus
}
#endif
#endif
