// Vectorised float32 kernels. Every loop body is written once (as an always-inline function) and
// instantiated twice: for baseline x86-64 and with AVX2+FMA enabled; a dispatcher picks one at run
// time. The transcendental functions are branch-free polynomial approximations (Cephes-derived) so
// the compiler can vectorise the loops; their maximum errors are documented in docs/KERNELS.md and
// checked by the test suite.
#include "CKernels.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "simd_math.h"

#if SYN_X86
int syn_avx512_state = -1;
#endif

int syn_kernels_set_avx512(int enabled) {
#if SYN_X86
    syn_avx512_state = enabled ? -1 : 0;
    return syn_has_avx512();
#else
    (void)enabled;
    return 0;
#endif
}
#if SYN_X86
#include <immintrin.h>
#endif

#define SYN_SELU_ALPHA 1.6732632423543772f
#define SYN_SELU_SCALE 1.0507009873554805f
#define SYN_SQRT1_2 0.70710678118654752f
#define SYN_INV_SQRT_2PI 0.3989422804014327f
#define SYN_SQRT_2_OVER_PI 0.7978845608028654f

SYN_INLINE float syn_unary_scalar(syn_unary_op op, float x, float a, float b) {
    switch (op) {
    case SYN_EXP: return syn_expf(x);
    case SYN_LOG: return syn_logf(x);
    case SYN_SQRT: return syn_sqrtf(x);
    case SYN_TANH: return syn_tanhf(x);
    case SYN_SIGMOID: return syn_sigmoidf(x);
    // `x <= 0 ? 0 : x`, not `x > 0 ? x : 0`: NaN fails every compare, so this form passes it through.
    case SYN_RELU: return x <= 0 ? 0.0f : x;
    case SYN_ABS: return x < 0 ? -x : x;
    case SYN_NEG: return -x;
    case SYN_LEAKY_RELU: return x > 0 ? x : a * x;
    case SYN_ELU: return x > 0 ? x : a * (syn_expf(x) - 1.0f);
    case SYN_SELU: return SYN_SELU_SCALE * (x > 0 ? x : SYN_SELU_ALPHA * (syn_expf(x) - 1.0f));
    case SYN_SILU: return x * syn_sigmoidf(x);
    case SYN_SOFTPLUS: {
        float bx = a * x;
        float ax = bx < 0 ? -bx : bx;
        float sp = (syn_maxf(bx, 0.0f) + syn_log1pf(syn_expf(-ax))) / a;
        return bx > b ? x : sp;
    }
    case SYN_GELU_ERF: return 0.5f * x * (1.0f + syn_erff(x * SYN_SQRT1_2));
    case SYN_GELU_TANH: {
        float inner = SYN_SQRT_2_OVER_PI * (x + 0.044715f * x * x * x);
        return 0.5f * x * (1.0f + syn_tanhf(inner));
    }
    case SYN_SQUARE: return x * x;
    case SYN_RECIPROCAL: return 1.0f / x;
    }
    return x;
}

SYN_INLINE float syn_unary_grad_scalar(syn_unary_op op, float x, float y, float dy, float a, float b) {
    switch (op) {
    case SYN_EXP: return dy * y;
    case SYN_LOG: return dy / x;
    case SYN_SQRT: return dy * 0.5f / y;
    case SYN_TANH: return dy * (1.0f - y * y);
    case SYN_SIGMOID: return dy * y * (1.0f - y);
    // PyTorch's threshold_backward: `x <= 0 ? 0 : dy` (so a NaN input passes dy through).
    case SYN_RELU: return x <= 0 ? 0.0f : dy;
    case SYN_ABS: return x > 0 ? dy : (x < 0 ? -dy : 0.0f);
    case SYN_NEG: return -dy;
    case SYN_LEAKY_RELU: return x > 0 ? dy : a * dy;
    // PyTorch's elu_backward tests `x <= 0`, so a NaN input takes the linear branch (dy).
    case SYN_ELU: return x <= 0 ? dy * a * syn_expf(x) : dy;
    case SYN_SELU: return dy * SYN_SELU_SCALE * (x <= 0 ? SYN_SELU_ALPHA * syn_expf(x) : 1.0f);
    case SYN_SILU: { float s = syn_sigmoidf(x); return dy * s * (1.0f + x * (1.0f - s)); }
    case SYN_SOFTPLUS: { float bx = a * x; return bx > b ? dy : dy * syn_sigmoidf(bx); }
    case SYN_GELU_ERF: {
        float cdf = 0.5f * (1.0f + syn_erff(x * SYN_SQRT1_2));
        float pdf = SYN_INV_SQRT_2PI * syn_expf(-0.5f * x * x);
        return dy * (cdf + x * pdf);
    }
    case SYN_GELU_TANH: {
        float inner = SYN_SQRT_2_OVER_PI * (x + 0.044715f * x * x * x);
        float t = syn_tanhf(inner);
        float dinner = SYN_SQRT_2_OVER_PI * (1.0f + 3.0f * 0.044715f * x * x);
        return dy * (0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * dinner);
    }
    case SYN_SQUARE: return dy * 2.0f * x;
    case SYN_RECIPROCAL: return -dy * y * y;
    }
    return dy;
}

// One loop per op so each loop body is branch-free after the switch is hoisted.
// Four vectors in flight per iteration: erf/exp are long chains of dependent multiply-adds, and
// interleaving independent ones hides their latency (GELU a quarter faster with AVX-512 on Zen 4).
#define SYN_UNARY_CASE(OP) \
    case OP: _Pragma("clang loop interleave_count(4)") \
        for (size_t i = 0; i < n; i++) y[i] = syn_unary_scalar(OP, x[i], a, b); break;
SYN_INLINE void syn_unary_body(syn_unary_op op, const float *restrict x, float *restrict y, size_t n, float a, float b) {
    switch (op) {
    SYN_UNARY_CASE(SYN_EXP) SYN_UNARY_CASE(SYN_LOG) SYN_UNARY_CASE(SYN_SQRT) SYN_UNARY_CASE(SYN_TANH)
    SYN_UNARY_CASE(SYN_SIGMOID) SYN_UNARY_CASE(SYN_RELU) SYN_UNARY_CASE(SYN_ABS) SYN_UNARY_CASE(SYN_NEG)
    SYN_UNARY_CASE(SYN_LEAKY_RELU) SYN_UNARY_CASE(SYN_ELU) SYN_UNARY_CASE(SYN_SELU) SYN_UNARY_CASE(SYN_SILU)
    SYN_UNARY_CASE(SYN_SOFTPLUS) SYN_UNARY_CASE(SYN_GELU_ERF) SYN_UNARY_CASE(SYN_GELU_TANH)
    SYN_UNARY_CASE(SYN_SQUARE) SYN_UNARY_CASE(SYN_RECIPROCAL)
    }
}
SYN_DISPATCH_VOID_AVX512(syn_unary, (syn_unary_op op, const float *x, float *y, size_t n, float a, float b), (op, x, y, n, a, b))

#define SYN_UNARY_GRAD_CASE(OP) \
    case OP: _Pragma("clang loop interleave_count(4)") \
        for (size_t i = 0; i < n; i++) dx[i] = syn_unary_grad_scalar(OP, x[i], y ? y[i] : 0.0f, dy[i], a, b); break;
SYN_INLINE void syn_unary_backward_body(syn_unary_op op, const float *restrict x, const float *restrict y,
                                        const float *restrict dy, float *restrict dx, size_t n, float a, float b) {
    switch (op) {
    SYN_UNARY_GRAD_CASE(SYN_EXP) SYN_UNARY_GRAD_CASE(SYN_LOG) SYN_UNARY_GRAD_CASE(SYN_SQRT)
    SYN_UNARY_GRAD_CASE(SYN_TANH) SYN_UNARY_GRAD_CASE(SYN_SIGMOID) SYN_UNARY_GRAD_CASE(SYN_RELU)
    SYN_UNARY_GRAD_CASE(SYN_ABS) SYN_UNARY_GRAD_CASE(SYN_NEG) SYN_UNARY_GRAD_CASE(SYN_LEAKY_RELU)
    SYN_UNARY_GRAD_CASE(SYN_ELU) SYN_UNARY_GRAD_CASE(SYN_SELU) SYN_UNARY_GRAD_CASE(SYN_SILU)
    SYN_UNARY_GRAD_CASE(SYN_SOFTPLUS) SYN_UNARY_GRAD_CASE(SYN_GELU_ERF) SYN_UNARY_GRAD_CASE(SYN_GELU_TANH)
    SYN_UNARY_GRAD_CASE(SYN_SQUARE) SYN_UNARY_GRAD_CASE(SYN_RECIPROCAL)
    }
}
SYN_DISPATCH_VOID_AVX512(syn_unary_backward,
             (syn_unary_op op, const float *x, const float *y, const float *dy, float *dx, size_t n, float a, float b),
             (op, x, y, dy, dx, n, a, b))

// ---- binary ----

#define SYN_BIN_LOOP(EXPR) for (size_t i = 0; i < n; i++) { float l = a[i], r = b[i]; z[i] = (EXPR); }
SYN_INLINE void syn_binary_body(syn_binary_op op, const float *restrict a, const float *restrict b, float *restrict z, size_t n) {
    switch (op) {
    case SYN_ADD: SYN_BIN_LOOP(l + r) break;
    case SYN_SUB: SYN_BIN_LOOP(l - r) break;
    case SYN_MUL: SYN_BIN_LOOP(l * r) break;
    case SYN_DIV: SYN_BIN_LOOP(l / r) break;
    case SYN_MAX: SYN_BIN_LOOP(syn_max_nan(l, r)) break;
    case SYN_MIN: SYN_BIN_LOOP(syn_min_nan(l, r)) break;
    }
}
SYN_DISPATCH_VOID(syn_binary, (syn_binary_op op, const float *a, const float *b, float *z, size_t n), (op, a, b, z, n))

#define SYN_BINS_LOOP(EXPR) for (size_t i = 0; i < n; i++) { float l = a[i], r = s; z[i] = (EXPR); }
SYN_INLINE void syn_binary_scalar_body(syn_binary_op op, const float *restrict a, float s, float *restrict z, size_t n) {
    switch (op) {
    case SYN_ADD: SYN_BINS_LOOP(l + r) break;
    case SYN_SUB: SYN_BINS_LOOP(l - r) break;
    case SYN_MUL: SYN_BINS_LOOP(l * r) break;
    case SYN_DIV: SYN_BINS_LOOP(l / r) break;
    case SYN_MAX: SYN_BINS_LOOP(syn_max_nan(l, r)) break;
    case SYN_MIN: SYN_BINS_LOOP(syn_min_nan(l, r)) break;
    }
}
SYN_DISPATCH_VOID(syn_binary_scalar, (syn_binary_op op, const float *a, float s, float *z, size_t n), (op, a, s, z, n))

#define SYN_SBIN_LOOP(EXPR) for (size_t i = 0; i < n; i++) { float l = s, r = a[i]; z[i] = (EXPR); }
SYN_INLINE void syn_scalar_binary_body(syn_binary_op op, float s, const float *restrict a, float *restrict z, size_t n) {
    switch (op) {
    case SYN_ADD: SYN_SBIN_LOOP(l + r) break;
    case SYN_SUB: SYN_SBIN_LOOP(l - r) break;
    case SYN_MUL: SYN_SBIN_LOOP(l * r) break;
    case SYN_DIV: SYN_SBIN_LOOP(l / r) break;
    case SYN_MAX: SYN_SBIN_LOOP(syn_max_nan(l, r)) break;
    case SYN_MIN: SYN_SBIN_LOOP(syn_min_nan(l, r)) break;
    }
}
SYN_DISPATCH_VOID(syn_scalar_binary, (syn_binary_op op, float s, const float *a, float *z, size_t n), (op, s, a, z, n))

SYN_INLINE void syn_axpy_body(float alpha, const float *restrict x, float *restrict y, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] += alpha * x[i];
}
SYN_DISPATCH_VOID(syn_axpy, (float alpha, const float *x, float *y, size_t n), (alpha, x, y, n))

SYN_INLINE void syn_clamp_body(const float *restrict x, float *restrict y, size_t n, float lo, float hi) {
    for (size_t i = 0; i < n; i++) { float v = x[i]; v = v < lo ? lo : v; y[i] = v > hi ? hi : v; }
}
SYN_DISPATCH_VOID(syn_clamp, (const float *x, float *y, size_t n, float lo, float hi), (x, y, n, lo, hi))

// ---- reductions (bodies in simd_math.h, shared with lm_kernels.c) ----

SYN_DISPATCH(float, syn_sum, (const float *x, size_t n), (x, n))
SYN_DISPATCH(float, syn_max, (const float *x, size_t n), (x, n))
SYN_DISPATCH(float, syn_min, (const float *x, size_t n), (x, n))
SYN_DISPATCH(int, syn_all_finite, (const float *x, size_t n), (x, n))

SYN_INLINE void syn_sum_rows_into_ld_body(const float *restrict x, float *restrict out, size_t rows, size_t cols,
                                       size_t ld) {
    for (size_t r = 0; r < rows; r++) {
        const float *row = x + r * ld;
        for (size_t j = 0; j < cols; j++) out[j] += row[j];
    }
}
SYN_DISPATCH_VOID(syn_sum_rows_into_ld, (const float *x, float *out, size_t rows, size_t cols, size_t ld),
                  (x, out, rows, cols, ld))
void syn_sum_rows_into(const float *x, float *out, size_t rows, size_t cols) { syn_sum_rows_into_ld(x, out, rows, cols, cols); }

// ---- softmax ----

SYN_INLINE void syn_softmax_rows_body(const float *restrict x, float *restrict y, size_t rows, size_t cols, int log) {
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        float *yr = y + r * cols;
        float m = syn_max_body(xr, cols);
        for (size_t j = 0; j < cols; j++) yr[j] = syn_expf(xr[j] - m);
        float s = syn_sum_body(yr, cols);
        if (log) {
            float lse = m + syn_logf(s);
            for (size_t j = 0; j < cols; j++) yr[j] = xr[j] - lse;
        } else {
            float inv = 1.0f / s;
            for (size_t j = 0; j < cols; j++) yr[j] *= inv;
        }
    }
}
SYN_DISPATCH_VOID(syn_softmax_rows, (const float *x, float *y, size_t rows, size_t cols, int log), (x, y, rows, cols, log))

SYN_INLINE void syn_softmax_rows_backward_body(const float *restrict y, const float *restrict dy, float *restrict dx,
                                               size_t rows, size_t cols, int log) {
    for (size_t r = 0; r < rows; r++) {
        const float *yr = y + r * cols, *gr = dy + r * cols;
        float *dr = dx + r * cols;
        if (log) {
            float s = syn_sum_body(gr, cols);
            for (size_t j = 0; j < cols; j++) dr[j] = gr[j] - syn_expf(yr[j]) * s;
        } else {
            float acc[16] = {0};
            size_t j = 0;
            for (; j + 16 <= cols; j += 16)
                for (int k = 0; k < 16; k++) acc[k] += gr[j + k] * yr[j + k];
            float s = 0;
            for (int k = 0; k < 16; k++) s += acc[k];
            for (; j < cols; j++) s += gr[j] * yr[j];
            for (j = 0; j < cols; j++) dr[j] = yr[j] * (gr[j] - s);
        }
    }
}
SYN_DISPATCH_VOID(syn_softmax_rows_backward,
             (const float *y, const float *dy, float *dx, size_t rows, size_t cols, int log), (y, dy, dx, rows, cols, log))

// ---- optimizers ----

SYN_INLINE void syn_adam_step_body(float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
                                   float *restrict vmax, size_t n, float lr, float beta1, float beta2, float eps,
                                   float wd, int decoupled, float bc1, float bc2) {
    const float step = lr / bc1;
    const float inv_sqrt_bc2 = 1.0f / syn_sqrtf(bc2);
    const float decay = decoupled ? 1.0f - lr * wd : 1.0f;
    const float l2 = decoupled ? 0.0f : wd;
    // Two loops rather than a branch inside one, so each vectorises.
    if (vmax) {
        for (size_t i = 0; i < n; i++) {
            float gi = g[i] + l2 * p[i];
            float mi = beta1 * m[i] + (1.0f - beta1) * gi;
            float vi = beta2 * v[i] + (1.0f - beta2) * gi * gi;
            float vv = vmax[i] > vi ? vmax[i] : vi;
            m[i] = mi; v[i] = vi; vmax[i] = vv;
            p[i] = p[i] * decay - step * mi / (syn_sqrtf(vv) * inv_sqrt_bc2 + eps);
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            float gi = g[i] + l2 * p[i];
            float mi = beta1 * m[i] + (1.0f - beta1) * gi;
            float vi = beta2 * v[i] + (1.0f - beta2) * gi * gi;
            m[i] = mi; v[i] = vi;
            p[i] = p[i] * decay - step * mi / (syn_sqrtf(vi) * inv_sqrt_bc2 + eps);
        }
    }
}
SYN_DISPATCH_VOID(syn_adam_step,
             (float *param, const float *grad, float *exp_avg, float *exp_avg_sq, float *max_exp_avg_sq, size_t n,
              float lr, float beta1, float beta2, float eps, float weight_decay, int decoupled, float bc1, float bc2),
             (param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, n, lr, beta1, beta2, eps, weight_decay, decoupled, bc1, bc2))

// ---- convolution lowering ----

SYN_INLINE void syn_im2col_body(const float *restrict x, float *restrict cols, syn_conv_geometry g, int64_t c0,
                                int64_t c1, int64_t ca, int64_t cb) {
    const int64_t spatial = g.oh * g.ow, width = g.n * spatial;
    for (int64_t c = ca; c < cb; c++)
        for (int64_t i = 0; i < g.kh; i++)
            for (int64_t j = 0; j < g.kw; j++) {
                float *row = cols + (((c - c0) * g.kh + i) * g.kw + j) * width;
                for (int64_t n = 0; n < g.n; n++) {
                    const float *plane = x + (n * g.c + c) * g.h * g.w;
                    float *out = row + n * spatial;
                    for (int64_t y = 0; y < g.oh; y++) {
                        int64_t iy = y * g.sh - g.ph + i * g.dh;
                        float *o = out + y * g.ow;
                        if (iy < 0 || iy >= g.h) { for (int64_t xo = 0; xo < g.ow; xo++) o[xo] = 0; continue; }
                        const float *line = plane + iy * g.w;
                        int64_t off = j * g.dw - g.pw;
                        for (int64_t xo = 0; xo < g.ow; xo++) {
                            int64_t ix = xo * g.sw + off;
                            o[xo] = (ix >= 0 && ix < g.w) ? line[ix] : 0.0f;
                        }
                    }
                }
            }
    (void)c1;
}
SYN_DISPATCH_VOID(syn_im2col, (const float *x, float *cols, syn_conv_geometry g, int64_t c0, int64_t c1, int64_t ca, int64_t cb),
                  (x, cols, g, c0, c1, ca, cb))

SYN_INLINE void syn_col2im_body(const float *restrict cols, float *restrict dx, syn_conv_geometry g, int64_t c0,
                                int64_t c1, int64_t ca, int64_t cb) {
    const int64_t spatial = g.oh * g.ow, width = g.n * spatial;
    for (int64_t c = ca; c < cb; c++)
        for (int64_t i = 0; i < g.kh; i++)
            for (int64_t j = 0; j < g.kw; j++) {
                const float *row = cols + (((c - c0) * g.kh + i) * g.kw + j) * width;
                for (int64_t n = 0; n < g.n; n++) {
                    float *plane = dx + (n * g.c + c) * g.h * g.w;
                    const float *in = row + n * spatial;
                    for (int64_t y = 0; y < g.oh; y++) {
                        int64_t iy = y * g.sh - g.ph + i * g.dh;
                        if (iy < 0 || iy >= g.h) continue;
                        float *line = plane + iy * g.w;
                        const float *r = in + y * g.ow;
                        int64_t off = j * g.dw - g.pw;
                        for (int64_t xo = 0; xo < g.ow; xo++) {
                            int64_t ix = xo * g.sw + off;
                            if (ix >= 0 && ix < g.w) line[ix] += r[xo];
                        }
                    }
                }
            }
    (void)c1;
}
SYN_DISPATCH_VOID(syn_col2im, (const float *cols, float *dx, syn_conv_geometry g, int64_t c0, int64_t c1, int64_t ca, int64_t cb),
                  (cols, dx, g, c0, c1, ca, cb))

// ---- pooling ----

// The common 2×2, stride-2 window with every window inside the input (not so in ceil mode).
SYN_INLINE int syn_maxpool2d_is_simple(syn_conv_geometry g) {
    return g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0 && g.dh == 1 && g.dw == 1
           && 2 * g.oh <= g.h && 2 * g.ow <= g.w;
}

SYN_INLINE void syn_maxpool2d_body(const float *restrict x, float *restrict y, int32_t *restrict idx,
                                   syn_conv_geometry g, int64_t p0, int64_t p1, int relu) {
    const int64_t plane_in = g.h * g.w, plane_out = g.oh * g.ow;
    const int simple = syn_maxpool2d_is_simple(g);
    for (int64_t pl = p0; pl < p1; pl++) {
        const float *xp = x + pl * plane_in;
        float *yp = y + pl * plane_out;
        int32_t *ip = idx + pl * plane_out;
        if (simple) {
            // The common 2×2, stride-2 window with every window inside the input: no bounds checks,
            // and branch-free (selects, `|` not `||`) so the loop vectorises — the data-dependent
            // branches of a scalar loop mispredicted on ReLU outputs, and max pooling took 14% of a
            // W3 step. The order of comparisons and `v > best || v != v` are the general path's and
            // PyTorch's: the first maximum wins, and a NaN in the window wins.
            const int32_t w = (int32_t)g.w;
            for (int64_t i = 0; i < g.oh; i++) {
                const float *r0 = xp + 2 * i * g.w, *r1 = r0 + g.w;
                float *yr = yp + i * g.ow;
                int32_t *ir = ip + i * g.ow;
                const int32_t row = (int32_t)(2 * i * g.w);
                for (int64_t j = 0; j < g.ow; j++) {
                    const float a = r0[2 * j], b = r0[2 * j + 1], c = r1[2 * j], d = r1[2 * j + 1];
                    float best = a;
                    int32_t at = 0;
                    int take = (b > best) | (b != b);
                    best = take ? b : best; at = take ? 1 : at;
                    take = (c > best) | (c != c);
                    best = take ? c : best; at = take ? w : at;
                    take = (d > best) | (d != d);
                    best = take ? d : best; at = take ? w + 1 : at;
                    yr[j] = relu && best <= 0 ? 0.0f : best;
                    ir[j] = row + (int32_t)(2 * j) + at;
                }
            }
            continue;
        }
        for (int64_t i = 0; i < g.oh; i++)
            for (int64_t j = 0; j < g.ow; j++) {
                float best = -INFINITY; int32_t at = -1;
                for (int64_t a = 0; a < g.kh; a++) {
                    int64_t yy = i * g.sh - g.ph + a * g.dh;
                    if (yy < 0 || yy >= g.h) continue;
                    for (int64_t b = 0; b < g.kw; b++) {
                        int64_t xx = j * g.sw - g.pw + b * g.dw;
                        if (xx < 0 || xx >= g.w) continue;
                        float v = xp[yy * g.w + xx];
                        if (at < 0 || v > best || v != v) { best = v; at = (int32_t)(yy * g.w + xx); }
                    }
                }
                yp[i * g.ow + j] = relu && best <= 0 ? 0.0f : best;
                ip[i * g.ow + j] = at;
            }
    }
}
#if SYN_X86
SYN_TARGET_AVX2 static void syn_maxpool2d_body_avx2(const float *x, float *y, int32_t *idx, syn_conv_geometry g,
                                                    int64_t p0, int64_t p1, int relu) {
    syn_maxpool2d_body(x, y, idx, g, p0, p1, relu);
}
#endif

#if SYN_X86
// The 2×2/stride-2 window (every window inside) with AVX2, 8 outputs at a time and masked loads and
// stores for a row's tail: W3's pooled rows are 14 and 7 outputs wide, too short for the compiler's
// vectorised loop, and the scalar loop's data-dependent choices mispredicted on ReLU outputs (max
// pooling was 14% of a W3 step). Each lane makes the scalar path's choices in its order — the first
// maximum in row-major window order wins, `v > best || v != v` — so values and indices are equal.
SYN_TARGET_AVX2 static void syn_maxpool2d_2x2_avx2(const float *restrict x, float *restrict y, int32_t *restrict idx,
                                                   syn_conv_geometry g, int64_t p0, int64_t p1, int relu) {
    const int64_t plane_in = g.h * g.w, plane_out = g.oh * g.ow;
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i one = _mm256_set1_epi32(1), below = _mm256_set1_epi32((int32_t)g.w),
                  below_right = _mm256_set1_epi32((int32_t)g.w + 1);
    for (int64_t pl = p0; pl < p1; pl++) {
        const float *xp = x + pl * plane_in;
        for (int64_t i = 0; i < g.oh; i++) {
            const float *r0 = xp + 2 * i * g.w, *r1 = r0 + g.w;
            float *yr = y + pl * plane_out + i * g.ow;
            int32_t *ir = idx + pl * plane_out + i * g.ow;
            for (int64_t j = 0; j < g.ow; j += 8) {
                const int64_t n = g.ow - j < 8 ? g.ow - j : 8;  // outputs in this step
                // Lanes of the 16 inputs per row (2 per output) and of the 8 outputs that exist.
                const __m256i in_lo = _mm256_cmpgt_epi32(_mm256_set1_epi32((int32_t)(2 * n)), lane);
                const __m256i in_hi = _mm256_cmpgt_epi32(_mm256_set1_epi32((int32_t)(2 * n - 8)), lane);
                const __m256i out = _mm256_cmpgt_epi32(_mm256_set1_epi32((int32_t)n), lane);
                const float *a0 = r0 + 2 * j, *a1 = r1 + 2 * j;
                __m256 lo = _mm256_maskload_ps(a0, in_lo), hi = _mm256_maskload_ps(a0 + 8, in_hi);
                // Even and odd columns, in order: shuffle within 128-bit halves, then order the halves.
                __m256 top_left = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(lo, hi, 0x88)), 0xD8));
                __m256 top_right = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(lo, hi, 0xDD)), 0xD8));
                lo = _mm256_maskload_ps(a1, in_lo);
                hi = _mm256_maskload_ps(a1 + 8, in_hi);
                __m256 bottom_left = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(lo, hi, 0x88)), 0xD8));
                __m256 bottom_right = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(lo, hi, 0xDD)), 0xD8));
                __m256 best = top_left;
                __m256i at = _mm256_setzero_si256();
                __m256 take = _mm256_or_ps(_mm256_cmp_ps(top_right, best, _CMP_GT_OQ), _mm256_cmp_ps(top_right, top_right, _CMP_UNORD_Q));
                best = _mm256_blendv_ps(best, top_right, take);
                at = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(at), _mm256_castsi256_ps(one), take));
                take = _mm256_or_ps(_mm256_cmp_ps(bottom_left, best, _CMP_GT_OQ), _mm256_cmp_ps(bottom_left, bottom_left, _CMP_UNORD_Q));
                best = _mm256_blendv_ps(best, bottom_left, take);
                at = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(at), _mm256_castsi256_ps(below), take));
                take = _mm256_or_ps(_mm256_cmp_ps(bottom_right, best, _CMP_GT_OQ), _mm256_cmp_ps(bottom_right, bottom_right, _CMP_UNORD_Q));
                best = _mm256_blendv_ps(best, bottom_right, take);
                at = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(at), _mm256_castsi256_ps(below_right), take));
                // index = 2·i·w + 2·(j + lane) + at
                __m256i where = _mm256_add_epi32(_mm256_set1_epi32((int32_t)(2 * i * g.w + 2 * j)), _mm256_add_epi32(lane, lane));
                // ReLU of the maximum, as the scalar `v <= 0 ? 0 : v`: an ordered compare, so NaN stays.
                if (relu) best = _mm256_blendv_ps(best, _mm256_setzero_ps(), _mm256_cmp_ps(best, _mm256_setzero_ps(), _CMP_LE_OQ));
                _mm256_maskstore_ps(yr + j, out, best);
                _mm256_maskstore_epi32(ir + j, out, _mm256_add_epi32(where, at));
            }
        }
    }
}
#endif

void syn_maxpool2d(const float *x, float *y, int32_t *idx, syn_conv_geometry g, int64_t p0, int64_t p1, int relu) {
#if SYN_X86
    if (syn_maxpool2d_is_simple(g) && syn_has_avx2()) { syn_maxpool2d_2x2_avx2(x, y, idx, g, p0, p1, relu); return; }
    if (syn_has_avx2()) { syn_maxpool2d_body_avx2(x, y, idx, g, p0, p1, relu); return; }
#endif
    syn_maxpool2d_body(x, y, idx, g, p0, p1, relu);
}
