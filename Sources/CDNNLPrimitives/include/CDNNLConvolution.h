#ifndef SYNAPSE_CDNNL_CONVOLUTION_H
#define SYNAPSE_CDNNL_CONVOLUTION_H
// oneDNN convolution primitives (2.x C API) behind a plain-layout interface: callers pass NCHW
// activations and [O, C/groups, kh, kw] weights; the glue reorders to and from the blocked layouts
// oneDNN picks for the shape (e.g. nChw16c) inside each call.
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Shape of a 2-D convolution: input [n, c, h, w], weights [o, c/groups, kh, kw], output [n, o, oh, ow].
/// Padding is (ph, pw) on the low side and as much as PyTorch's floor rule implies on the high side;
/// dilation 1 means dense.
typedef struct {
    int64_t n, c, h, w, o, kh, kw;
    int64_t sh, sw, ph, pw, dh, dw;
    int64_t oh, ow, groups;
    int32_t with_bias;
    /// 1: bfloat16 source, weights and output gradient (f32 output, weight and bias gradients,
    /// f32 accumulation), for autocast. The caller's buffers stay f32; the reorders convert.
    int32_t bf16;
} syn_conv_shape;

/// Creates the forward and backward primitives for `shape`. Returns NULL and
/// writes oneDNN's status to `status` when oneDNN has no direct kernel for it (its GEMM fallback does
/// not count: callers lower such shapes to GEMMs themselves).
void *syn_dnnl_conv_create(syn_conv_shape shape, int *status);
/// y = conv(x, w) (+ bias when the shape has one). All buffers plain (NCHW / OIHW / [o]).
int syn_dnnl_conv_forward(void *conv, const float *x, const float *w, const float *bias, float *y);
/// Gradients from dy [n, o, oh, ow]: dx (input gradient, overwritten) when non-NULL, dw (weights
/// gradient, overwritten) and dbias (overwritten, only with a bias) when non-NULL. x is needed for dw.
/// dy is reordered once for both. Returns oneDNN's status (0 = ok).
int syn_dnnl_conv_backward(void *conv, const float *x, const float *w, const float *dy,
                           float *dx, float *dw, float *dbias);
/// Implementation names oneDNN chose: `which` 0 = forward, 1 = backward data, 2 = backward weights
/// ("unknown" if oneDNN gives no name).
const char *syn_dnnl_conv_impl(void *conv, int which);
/// Destroys a convolution handle.
void syn_dnnl_conv_destroy(void *conv);

/// Creates an int8 convolution for a statically quantized layer (groups 1):
/// y[n, oh, ow, o] (f32, NHWC) = scales[o]·Σ (x[n, ·, ·, c] − zero_point)·w[o, c, ·, ·] over each window,
/// x u8 NHWC (padding counts as the zero point, i.e. real 0), `weights` plain s8 [o, c, kh, kw]
/// (copied and reordered now), `scales` [o] and `zero_point` fixed for the handle's life. `with_bias`
/// of the shape is ignored: callers add their f32 bias. NULL with oneDNN's status when unsupported.
/// On CPUs without VNNI keep inputs within 0…127 (16-bit pair sums saturate beyond).
void *syn_dnnl_qconv_create(syn_conv_shape shape, const int8_t *weights, const float *scales, int32_t zero_point, int *status);
/// Runs an int8 convolution: x u8 NHWC in, y f32 NHWC out. Returns oneDNN's status (0 = ok).
int syn_dnnl_qconv_forward(void *conv, const uint8_t *x, float *y);
/// The implementation oneDNN chose (e.g. "jit_uni_int8:avx2").
const char *syn_dnnl_qconv_impl(void *conv);
/// Destroys an int8 convolution handle.
void syn_dnnl_qconv_destroy(void *conv);

#ifdef __cplusplus
}
#endif
#endif
