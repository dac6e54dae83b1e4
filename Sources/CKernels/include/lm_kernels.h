#ifndef SYNAPSE_LM_KERNELS_H
#define SYNAPSE_LM_KERNELS_H
// Fused kernels for language-model training (cross-entropy over a vocabulary, LSTM cells, layer
// normalisation, causal attention softmax). Like CKernels.h: dense row-major float32 buffers, each
// function compiled for baseline x86-64 and AVX2+FMA with run-time dispatch; callers split rows
// across threads.
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Cross-entropy of rows [r0, r1) of logits x [rows, cols] against class indices `target`, as PyTorch's
/// `cross_entropy`: writes the softmax probabilities of each row to `probs` and to `loss[i]`
///     (1 − ε)·w[t_i]·(lse(x_i) − x_i[t_i]) + ε/cols·Σ_j w[j]·(lse(x_i) − x_i[j])
/// with ε = `smoothing` and w = `weight` (per-class weights [cols]; NULL means all 1). Without weights
/// and smoothing that is lse(x_i) − x_i[t_i]. Rows whose target equals `ignore_index` get loss 0 and
/// are not touched otherwise. Targets are assumed in range.
void syn_cross_entropy_rows(const float *x, const long *target, const float *weight, float smoothing, float *probs,
                            float *loss, size_t r0, size_t r1, size_t cols, long ignore_index);
/// Gradient of `syn_cross_entropy_rows` w.r.t. the logits for rows [r0, r1):
///     dx_ij = s_i·((1 − ε)·w[t_i]·(p_ij − [j = t_i]) + ε/cols·(W·p_ij − w[j])),  W = Σ_j w[j],
/// with s_i = row_scale[i] when `row_scale` is not NULL, else `scale`; ignored rows get zeros.
void syn_cross_entropy_rows_backward(const float *probs, const long *target, const float *weight, float smoothing,
                                     float *dx, size_t r0, size_t r1, size_t cols, long ignore_index, float scale,
                                     const float *row_scale);

/// One LSTM step for n rows: the pre-activations are gx + hw ([n, 4h] each: the input and hidden
/// projections, i, f, g, o blocks in PyTorch order); `gates` [n, 4h] receives the activations σ(i),
/// σ(f), tanh(g), σ(o); then c = f·c_prev + i·g, tanh_c = tanh(c), h = o·tanh_c (each [n, h]).
void syn_lstm_cell_forward(const float *gx, const float *hw, float *gates, const float *c_prev, float *c,
                           float *tanh_c, float *h, size_t n, size_t hs);
/// Backward of one LSTM step: given the activations saved by the forward step, c_prev, tanh_c, the
/// gradient of h as two parts added here — `dh` from the next step and `dh_out` from this step's
/// output — and `dc` of c (in; replaced by the gradient of c_prev on return), writes the gradient
/// of the pre-activations to `dgates` [n, 4h].
void syn_lstm_cell_backward(const float *gates, const float *c_prev, const float *tanh_c, const float *dh,
                            const float *dh_out, float *dc, float *dgates, size_t n, size_t hs);

/// Layer normalisation of rows [r0, r1) of x [rows, cols]: y = (x − μ)·rstd·w + b (w, b may be NULL),
/// saving μ and rstd = 1/√(var + eps) per row (biased variance).
void syn_layer_norm_rows(const float *x, const float *w, const float *b, float *y, float *mean, float *rstd,
                         size_t r0, size_t r1, size_t cols, float eps);
/// Backward of `syn_layer_norm_rows` for rows [r0, r1): writes dx, and adds Σ dy·x̂ into `dw` and Σ dy
/// into `db` (either may be NULL; the caller gives each thread its own accumulators).
void syn_layer_norm_rows_backward(const float *x, const float *w, const float *mean, const float *rstd,
                                  const float *dy, float *dx, float *dw, float *db, size_t r0, size_t r1, size_t cols);

/// Causal softmax of score rows [r0, r1) of a stack of [q_len, cols] matrices: row r is query
/// i = r mod q_len; y_j = softmax over keys j ≤ i of scale·x_j, and y_j = 0 for j > i (top-left
/// aligned, as PyTorch's is_causal). Scaling, masking and softmax in one pass.
void syn_softmax_causal_rows(const float *x, float *y, size_t r0, size_t r1, size_t q_len, size_t cols, float scale);
/// Backward of `syn_softmax_causal_rows`: dx = scale · y ⊙ (dy − Σ dy⊙y) (zero above the diagonal).
void syn_softmax_causal_rows_backward(const float *y, const float *dy, float *dx, size_t r0, size_t r1,
                                      size_t q_len, size_t cols, float scale);

#ifdef __cplusplus
}
#endif
#endif
