// Direct single-input-channel convolution, forward pass (see CConvKernels.h for the padded-width
// scheme). The body is compiled for AVX-512, AVX2+FMA and baseline x86-64, picked at run time.
#include "CConvKernels.h"
#include <stdlib.h>
#include <string.h>

#define CONV_INLINE static inline __attribute__((always_inline))
// 16 floats: one AVX-512 register, two AVX2 ones, four SSE ones, depending on the compiled variant.
typedef float v16 __attribute__((vector_size(64)));
typedef float v16u __attribute__((vector_size(64), aligned(4)));  // unaligned access
enum { CHUNK = 64 };  // outputs per register-resident accumulator block (4 × v16)

// Macros rather than functions: passing 64-byte vectors by value trips ABI warnings in the
// non-AVX-512 variants.
#define load16(p) (*(const v16u *)(p))
#define store16(p, v) (*(v16u *)(p) = (v))

// Copies `rows` rows of `cols` floats between row strides (memcpy per 28-float row costs more than
// the data). Whole 16-float vectors may spill up to 15 floats past a row's end: with strides of at
// least 16 that stays within the next row, which is copied afterwards; the last row is copied
// exactly, so nothing past the final row is read or written.
CONV_INLINE void copy_rows(float *restrict dst, int64_t dst_stride, const float *restrict src, int64_t src_stride,
                           int64_t rows, int64_t cols) {
    if (rows <= 0) return;
    if (dst_stride >= 16 && src_stride >= 16 && dst_stride >= cols && src_stride >= cols)
        for (int64_t i = 0; i < rows - 1; i++)
            for (int64_t j = 0; j < cols; j += 16) store16(dst + i * dst_stride + j, load16(src + i * src_stride + j));
    else
        for (int64_t i = 0; i < rows - 1; i++) memcpy(dst + i * dst_stride, src + i * src_stride, (size_t)cols * sizeof(float));
    memcpy(dst + (rows - 1) * dst_stride, src + (rows - 1) * src_stride, (size_t)cols * sizeof(float));
}

// Elements of one padded image: (h + 2·ph)·(w + 2·pw), plus kw so the widest tap of the last row
// stays inside.
static int64_t padded_size(syn_conv1ch_geometry g) { return (g.h + 2 * g.ph) * (g.w + 2 * g.pw) + g.kw; }

// Per example: pad the image into xn; then y_plane (padded width) = Σ_taps w[tap] · xn[q + offset(tap)],
// CHUNK outputs at a time kept in registers across all taps; the first ow columns of each row go to y.
CONV_INLINE void forward_body(const float *restrict x, const float *restrict w, const float *restrict bias,
                              float *restrict y, syn_conv1ch_geometry g, int64_t n0, int64_t n1) {
    const int64_t wp = g.w + 2 * g.pw, size = padded_size(g), taps = g.kh * g.kw;
    const int64_t plane = g.oh * wp, full = plane / CHUNK * CHUNK;
    float *tmp = aligned_alloc(64, (size_t)(full + CHUNK) * sizeof(float));
    int64_t *offset = malloc((size_t)taps * sizeof(int64_t));
    for (int64_t a = 0; a < g.kh; a++)
        for (int64_t b = 0; b < g.kw; b++) offset[a * g.kw + b] = a * wp + b;
    float *xn = aligned_alloc(64, (size_t)(size + 15) / 16 * 16 * sizeof(float));
    memset(xn, 0, (size_t)size * sizeof(float));  // the border stays zero; interiors are overwritten
    for (int64_t n = n0; n < n1; n++) {
        for (int64_t i = 0; i < g.h; i++)
            memcpy(xn + (i + g.ph) * wp + g.pw, x + (n * g.h + i) * g.w, (size_t)g.w * sizeof(float));
        for (int64_t o = 0; o < g.o; o++) {
            const float *wo = w + o * taps;
            const float b0 = bias ? bias[o] : 0.0f;
            for (int64_t q0 = 0; q0 < full; q0 += CHUNK) {
                v16 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
                a0 += b0; a1 += b0; a2 += b0; a3 += b0;
                for (int64_t t = 0; t < taps; t++) {
                    const float wv = wo[t], *s = xn + q0 + offset[t];
                    a0 += wv * load16(s); a1 += wv * load16(s + 16); a2 += wv * load16(s + 32); a3 += wv * load16(s + 48);
                }
                store16(tmp + q0, a0); store16(tmp + q0 + 16, a1); store16(tmp + q0 + 32, a2); store16(tmp + q0 + 48, a3);
            }
            for (int64_t q = full; q < plane; q++) {  // the last partial chunk, inside the padded image
                float acc = b0;
                for (int64_t t = 0; t < taps; t++) acc += wo[t] * xn[q + offset[t]];
                tmp[q] = acc;
            }
            float *yo = y + (n * g.o + o) * g.oh * g.ow;
            copy_rows(yo, g.ow, tmp, wp, g.oh, g.ow);
        }
    }
    free(xn);
    free(offset);
    free(tmp);
}

#if defined(__x86_64__)
#define CONV_VARIANTS(name, params, args)                                                        \
    __attribute__((target("avx512f,avx512vl,fma"))) static void name##_avx512 params { name##_body args; } \
    __attribute__((target("avx2,fma"))) static void name##_avx2 params { name##_body args; }   \
    static void name##_generic params { name##_body args; }                                    \
    static void name##_impl params {                                                           \
        __builtin_cpu_init();                                                                  \
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")) name##_avx512 args; \
        else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) name##_avx2 args; \
        else name##_generic args;                                                              \
    }
#else
#define CONV_VARIANTS(name, params, args) static void name##_impl params { name##_body args; }
#endif

CONV_VARIANTS(forward, (const float *x, const float *w, const float *bias, float *y, syn_conv1ch_geometry g, int64_t n0, int64_t n1),
              (x, w, bias, y, g, n0, n1))

void syn_conv1ch_forward(const float *x, const float *w, const float *bias, float *y, syn_conv1ch_geometry g,
                         int64_t n0, int64_t n1) {
    forward_impl(x, w, bias, y, g, n0, n1);
}
