// Fused kernels for language-model training; see include/lm_kernels.h and docs/KERNELS.md.
// Same scheme as kernels.c: each body is written once as an always-inline function and compiled for
// baseline x86-64 and for AVX2+FMA, with a dispatcher choosing at run time; the dispatch macros and
// the scalar math come from simd_math.h, shared with kernels.c.
#include "lm_kernels.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "simd_math.h"

SYN_INLINE float lm_row_dot(const float *restrict a, const float *restrict b, size_t n) {
    float acc[16] = {0};
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int k = 0; k < 16; k++) acc[k] += a[i + k] * b[i + k];
    float s = 0;
    for (int k = 0; k < 16; k++) s += acc[k];
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

// ---- cross-entropy ----

// Σ_j w_j·(lse − x_j) over a row (w_j = 1 when w is NULL): the label-smoothing term. Sixteen
// partial sums so the loop vectorises without reassociating floats behind the compiler's back.
SYN_INLINE float lm_smoothing_sum(const float *restrict x, const float *restrict w, float lse, size_t n) {
    float acc[16] = {0};
    size_t i = 0;
    if (w) {
        for (; i + 16 <= n; i += 16)
            for (int k = 0; k < 16; k++) acc[k] += w[i + k] * (lse - x[i + k]);
    } else {
        for (; i + 16 <= n; i += 16)
            for (int k = 0; k < 16; k++) acc[k] += lse - x[i + k];
    }
    float s = 0;
    for (int k = 0; k < 16; k++) s += acc[k];
    for (; i < n; i++) s += (w ? w[i] : 1.0f) * (lse - x[i]);
    return s;
}

SYN_INLINE void syn_cross_entropy_rows_body(const float *restrict x, const long *restrict target,
                                           const float *restrict weight, float smoothing, float *restrict probs,
                                           float *restrict loss, size_t r0, size_t r1, size_t cols, long ignore) {
    // The plain loss (no class weights, no smoothing) is the hot path of every classifier: it keeps
    // its own branch, free of the extra multiplies and the smoothing sweep.
    const int plain = !weight && smoothing == 0;
    const float eps_per_class = smoothing / (float)cols;
    for (size_t r = r0; r < r1; r++) {
        long t = target[r];
        if (t == ignore) { loss[r] = 0; continue; }
        const float *xr = x + r * cols;
        float *pr = probs + r * cols;
        float m = syn_max_body(xr, cols);
        for (size_t j = 0; j < cols; j++) pr[j] = syn_expf(xr[j] - m);
        float s = syn_sum_body(pr, cols);
        float inv = 1.0f / s;
        for (size_t j = 0; j < cols; j++) pr[j] *= inv;
        float lse = m + logf(s);
        if (plain) { loss[r] = lse - xr[t]; continue; }
        // PyTorch's cross_entropy: (1 − ε)·w_t·(−log p_t) + ε/C·Σ_j w_j·(−log p_j).
        float wt = weight ? weight[t] : 1.0f;
        float l = (1.0f - smoothing) * wt * (lse - xr[t]);
        if (smoothing != 0) l += eps_per_class * lm_smoothing_sum(xr, weight, lse, cols);
        loss[r] = l;
    }
}
SYN_DISPATCH_VOID_AVX512(syn_cross_entropy_rows,
                 (const float *x, const long *target, const float *weight, float smoothing, float *probs, float *loss,
                  size_t r0, size_t r1, size_t cols, long ignore_index),
                 (x, target, weight, smoothing, probs, loss, r0, r1, cols, ignore_index))

SYN_INLINE void syn_cross_entropy_rows_backward_body(const float *restrict probs, const long *restrict target,
                                                    const float *restrict weight, float smoothing,
                                                    float *restrict dx, size_t r0, size_t r1, size_t cols, long ignore,
                                                    float scale, const float *restrict row_scale) {
    const int plain = !weight && smoothing == 0;
    const float eps_per_class = smoothing / (float)cols;
    // W = Σ_j w_j (C without weights): the smoothing term's gradient is ε/C·(W·p_j − w_j).
    float total = (float)cols;
    if (weight && smoothing != 0) { total = 0; for (size_t j = 0; j < cols; j++) total += weight[j]; }
    for (size_t r = r0; r < r1; r++) {
        long t = target[r];
        float *dr = dx + r * cols;
        if (t == ignore) { for (size_t j = 0; j < cols; j++) dr[j] = 0; continue; }
        const float *pr = probs + r * cols;
        float s = row_scale ? row_scale[r] : scale;
        if (plain) {
            for (size_t j = 0; j < cols; j++) dr[j] = pr[j] * s;
            dr[t] -= s;
            continue;
        }
        // d/dx_j = (1 − ε)·w_t·(p_j − [j = t]) + ε/C·(W·p_j − w_j), times the incoming gradient s.
        float target_term = (1.0f - smoothing) * (weight ? weight[t] : 1.0f) * s;
        float a = target_term + eps_per_class * total * s, b = eps_per_class * s;
        if (weight && smoothing != 0) for (size_t j = 0; j < cols; j++) dr[j] = a * pr[j] - b * weight[j];
        else for (size_t j = 0; j < cols; j++) dr[j] = a * pr[j] - b;
        dr[t] -= target_term;
    }
}
SYN_DISPATCH_VOID_AVX512(syn_cross_entropy_rows_backward,
                 (const float *probs, const long *target, const float *weight, float smoothing, float *dx, size_t r0,
                  size_t r1, size_t cols, long ignore_index, float scale, const float *row_scale),
                 (probs, target, weight, smoothing, dx, r0, r1, cols, ignore_index, scale, row_scale))

// ---- LSTM cell ----

SYN_INLINE void syn_lstm_cell_forward_body(const float *restrict gx, const float *restrict hw, float *restrict gates,
                                          const float *restrict c_prev, float *restrict c, float *restrict tanh_c,
                                          float *restrict h, size_t n, size_t hs) {
    for (size_t r = 0; r < n; r++) {
        const float *xi = gx + r * 4 * hs, *xf = xi + hs, *xg = xf + hs, *xo = xg + hs;
        const float *hi = hw + r * 4 * hs, *hf = hi + hs, *hg = hf + hs, *ho = hg + hs;
        float *gi = gates + r * 4 * hs, *gf = gi + hs, *gg = gf + hs, *go = gg + hs;
        const float *cp = c_prev + r * hs;
        float *cr = c + r * hs, *tr = tanh_c + r * hs, *hr = h + r * hs;
        // The four gate blocks are disjoint slices of one buffer, which the compiler cannot prove:
        // without the hint it guards the vector loop with overlap checks that send it to scalar code.
#pragma clang loop vectorize(assume_safety)
        for (size_t j = 0; j < hs; j++) {
            float i = syn_sigmoidf(xi[j] + hi[j]), f = syn_sigmoidf(xf[j] + hf[j]);
            float g = syn_tanhf(xg[j] + hg[j]), o = syn_sigmoidf(xo[j] + ho[j]);
            float cv = f * cp[j] + i * g;
            float tc = syn_tanhf(cv);
            gi[j] = i; gf[j] = f; gg[j] = g; go[j] = o;
            cr[j] = cv; tr[j] = tc; hr[j] = o * tc;
        }
    }
}
SYN_DISPATCH_VOID_AVX512(syn_lstm_cell_forward,
                 (const float *gx, const float *hw, float *gates, const float *c_prev, float *c, float *tanh_c,
                  float *h, size_t n, size_t hs),
                 (gx, hw, gates, c_prev, c, tanh_c, h, n, hs))

SYN_INLINE void syn_lstm_cell_backward_body(const float *restrict gates, const float *restrict c_prev,
                                           const float *restrict tanh_c, const float *restrict dh,
                                           const float *restrict dh_out, float *restrict dc,
                                           float *restrict dgates, size_t n, size_t hs) {
    for (size_t r = 0; r < n; r++) {
        const float *gi = gates + r * 4 * hs, *gf = gi + hs, *gg = gf + hs, *go = gg + hs;
        const float *cp = c_prev + r * hs, *tr = tanh_c + r * hs, *dhr = dh + r * hs, *dor = dh_out + r * hs;
        float *dcr = dc + r * hs;
        float *di = dgates + r * 4 * hs, *df = di + hs, *dg = df + hs, *dout = dg + hs;
#pragma clang loop vectorize(assume_safety)
        for (size_t j = 0; j < hs; j++) {
            float i = gi[j], f = gf[j], g = gg[j], o = go[j], tc = tr[j], d = dhr[j] + dor[j];
            float dcv = dcr[j] + d * o * (1.0f - tc * tc);
            dout[j] = d * tc * o * (1.0f - o);
            di[j] = dcv * g * i * (1.0f - i);
            dg[j] = dcv * i * (1.0f - g * g);
            df[j] = dcv * cp[j] * f * (1.0f - f);
            dcr[j] = dcv * f;
        }
    }
}
SYN_DISPATCH_VOID_AVX512(syn_lstm_cell_backward,
                 (const float *gates, const float *c_prev, const float *tanh_c, const float *dh, const float *dh_out,
                  float *dc, float *dgates, size_t n, size_t hs),
                 (gates, c_prev, tanh_c, dh, dh_out, dc, dgates, n, hs))

// ---- layer normalisation ----

SYN_INLINE void syn_layer_norm_rows_body(const float *restrict x, const float *restrict w, const float *restrict b,
                                        float *restrict y, float *restrict mean, float *restrict rstd,
                                        size_t r0, size_t r1, size_t cols, float eps) {
    const float inv_n = 1.0f / (float)cols;
    for (size_t r = r0; r < r1; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        float mu = syn_sum_body(xr, cols) * inv_n;
        // Two-pass variance (as PyTorch): no cancellation for rows with a large mean.
        float acc[16] = {0};
        size_t j = 0;
        for (; j + 16 <= cols; j += 16)
            for (int k = 0; k < 16; k++) { float d = xr[j + k] - mu; acc[k] += d * d; }
        float var = 0;
        for (int k = 0; k < 16; k++) var += acc[k];
        for (; j < cols; j++) { float d = xr[j] - mu; var += d * d; }
        float rs = 1.0f / syn_sqrtf(var * inv_n + eps);
        mean[r] = mu; rstd[r] = rs;
        if (w && b) for (j = 0; j < cols; j++) yr[j] = (xr[j] - mu) * rs * w[j] + b[j];
        else if (w) for (j = 0; j < cols; j++) yr[j] = (xr[j] - mu) * rs * w[j];
        else if (b) for (j = 0; j < cols; j++) yr[j] = (xr[j] - mu) * rs + b[j];
        else for (j = 0; j < cols; j++) yr[j] = (xr[j] - mu) * rs;
    }
}
SYN_DISPATCH_VOID(syn_layer_norm_rows,
                 (const float *x, const float *w, const float *b, float *y, float *mean, float *rstd, size_t r0,
                  size_t r1, size_t cols, float eps),
                 (x, w, b, y, mean, rstd, r0, r1, cols, eps))

SYN_INLINE void syn_layer_norm_rows_backward_body(const float *restrict x, const float *restrict w,
                                                 const float *restrict mean, const float *restrict rstd,
                                                 const float *restrict dy, float *restrict dx, float *restrict dw,
                                                 float *restrict db, size_t r0, size_t r1, size_t cols) {
    const float inv_n = 1.0f / (float)cols;
    for (size_t r = r0; r < r1; r++) {
        const float *xr = x + r * cols, *gr = dy + r * cols;
        float *dr = dx + r * cols;
        const float mu = mean[r], rs = rstd[r];
        // g = dy·w; dx = rstd·(g − mean(g) − x̂·mean(g·x̂)).
        float a1[16] = {0}, a2[16] = {0};
        size_t j = 0;
        for (; j + 16 <= cols; j += 16)
            for (int k = 0; k < 16; k++) {
                float xh = (xr[j + k] - mu) * rs;
                float g = gr[j + k] * (w ? w[j + k] : 1.0f);
                a1[k] += g; a2[k] += g * xh;
            }
        float sg = 0, sgx = 0;
        for (int k = 0; k < 16; k++) { sg += a1[k]; sgx += a2[k]; }
        for (; j < cols; j++) {
            float xh = (xr[j] - mu) * rs;
            float g = gr[j] * (w ? w[j] : 1.0f);
            sg += g; sgx += g * xh;
        }
        sg *= inv_n; sgx *= inv_n;
        for (j = 0; j < cols; j++) {
            float xh = (xr[j] - mu) * rs;
            float g = gr[j] * (w ? w[j] : 1.0f);
            dr[j] = rs * (g - sg - xh * sgx);
        }
        if (dw) for (j = 0; j < cols; j++) dw[j] += gr[j] * (xr[j] - mu) * rs;
        if (db) for (j = 0; j < cols; j++) db[j] += gr[j];
    }
}
SYN_DISPATCH_VOID(syn_layer_norm_rows_backward,
                 (const float *x, const float *w, const float *mean, const float *rstd, const float *dy, float *dx,
                  float *dw, float *db, size_t r0, size_t r1, size_t cols),
                 (x, w, mean, rstd, dy, dx, dw, db, r0, r1, cols))

// ---- causal attention softmax ----

SYN_INLINE void syn_softmax_causal_rows_body(const float *restrict x, float *restrict y, size_t r0, size_t r1,
                                            size_t q_len, size_t cols, float scale) {
    for (size_t r = r0; r < r1; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        size_t i = r % q_len;
        size_t n = i + 1 < cols ? i + 1 : cols;  // keys 0...i are visible
        // max(scale·x) is scale·max(x) for scale ≥ 0 and scale·min(x) otherwise.
        float m = scale >= 0 ? syn_max_body(xr, n) * scale : syn_min_body(xr, n) * scale;
        for (size_t j = 0; j < n; j++) yr[j] = syn_expf(xr[j] * scale - m);
        float inv = 1.0f / syn_sum_body(yr, n);
        for (size_t j = 0; j < n; j++) yr[j] *= inv;
        for (size_t j = n; j < cols; j++) yr[j] = 0;
    }
}
SYN_DISPATCH_VOID_AVX512(syn_softmax_causal_rows,
                 (const float *x, float *y, size_t r0, size_t r1, size_t q_len, size_t cols, float scale),
                 (x, y, r0, r1, q_len, cols, scale))

SYN_INLINE void syn_softmax_causal_rows_backward_body(const float *restrict y, const float *restrict dy,
                                                     float *restrict dx, size_t r0, size_t r1, size_t q_len,
                                                     size_t cols, float scale) {
    for (size_t r = r0; r < r1; r++) {
        const float *yr = y + r * cols, *gr = dy + r * cols;
        float *dr = dx + r * cols;
        size_t i = r % q_len;
        size_t n = i + 1 < cols ? i + 1 : cols;
        float s = lm_row_dot(gr, yr, n);
        for (size_t j = 0; j < n; j++) dr[j] = scale * yr[j] * (gr[j] - s);
        for (size_t j = n; j < cols; j++) dr[j] = 0;
    }
}
SYN_DISPATCH_VOID_AVX512(syn_softmax_causal_rows_backward,
                 (const float *y, const float *dy, float *dx, size_t r0, size_t r1, size_t q_len, size_t cols,
                  float scale),
                 (y, dy, dx, r0, r1, q_len, cols, scale))
