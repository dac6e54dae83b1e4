// Internal to CKernels (not part of the public include/ headers): the runtime-dispatch macros and the
// branch-free scalar math shared by kernels.c and lm_kernels.c, so the approximations (and their
// documented errors, docs/KERNELS.md) exist once. Every helper is `static inline`, so each
// translation unit compiles its own copies for its baseline and AVX2+FMA variants.
#ifndef SYNAPSE_CKERNELS_SIMD_MATH_H
#define SYNAPSE_CKERNELS_SIMD_MATH_H
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SYN_INLINE static inline __attribute__((always_inline))

#if defined(__x86_64__) || defined(__i386__)
#define SYN_X86 1
#define SYN_TARGET_AVX2 __attribute__((target("avx2,fma")))
static int syn_avx2_state = -1;
static int syn_has_avx2(void) {
    if (syn_avx2_state < 0) {
        __builtin_cpu_init();
        syn_avx2_state = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return syn_avx2_state;
}
// Defines `name` (dispatching), `name##_avx2` and `name##_generic` from one always-inline body.
#define SYN_DISPATCH(ret, name, params, args)                                   \
    SYN_TARGET_AVX2 static ret name##_avx2 params { return name##_body args; }  \
    static ret name##_generic params { return name##_body args; }               \
    ret name params { return syn_has_avx2() ? name##_avx2 args : name##_generic args; }
#define SYN_DISPATCH_VOID(name, params, args)                                   \
    SYN_TARGET_AVX2 static void name##_avx2 params { name##_body args; }        \
    static void name##_generic params { name##_body args; }                     \
    void name params { if (syn_has_avx2()) name##_avx2 args; else name##_generic args; }
// AVX-512 (F, DQ, VL, BW) for the transcendental-heavy elementwise kernels: 16 lanes and 32 registers keep
// their polynomial constants in registers, where AVX2's 16 registers reload them on every iteration
// (GELU forward and backward 2.2× faster on Zen 4). Every variant computes the same per-element
// arithmetic (the same fused multiply-adds), so results are bit for bit those of the AVX2 variant.
// `syn_kernels_set_avx512(0)` (tests, comparisons) or SYNAPSE_AVX512=0 turns it off.
#define SYN_TARGET_AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma")))
extern int syn_avx512_state;
static inline int syn_has_avx512(void) {
    if (syn_avx512_state < 0) {
        __builtin_cpu_init();
        const char *setting = getenv("SYNAPSE_AVX512");
        syn_avx512_state = (setting == NULL || strcmp(setting, "0") != 0) && syn_has_avx2()
            && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")
            && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw");
    }
    return syn_avx512_state;
}
// SYN_DISPATCH_VOID with a third, AVX-512 variant.
#define SYN_DISPATCH_VOID_AVX512(name, params, args)                              \
    SYN_TARGET_AVX512 static void name##_avx512 params { name##_body args; }      \
    SYN_TARGET_AVX2 static void name##_avx2 params { name##_body args; }          \
    static void name##_generic params { name##_body args; }                       \
    void name params {                                                            \
        if (syn_has_avx512()) name##_avx512 args;                                 \
        else if (syn_has_avx2()) name##_avx2 args;                                \
        else name##_generic args;                                                 \
    }
#else
#define SYN_DISPATCH_VOID(name, params, args) \
    void name params { name##_body args; }
#define SYN_DISPATCH_VOID_AVX512(name, params, args) \
    void name params { name##_body args; }
#define SYN_DISPATCH(ret, name, params, args) \
    ret name params { return name##_body args; }

#endif

// ---- scalar building blocks (branch-free so loops vectorise) ----

SYN_INLINE float syn_bits_to_float(int32_t i) { float f; memcpy(&f, &i, 4); return f; }
SYN_INLINE int32_t syn_float_to_bits(float f) { int32_t i; memcpy(&i, &f, 4); return i; }
SYN_INLINE float syn_minf(float a, float b) { return a < b ? a : b; }

/// sqrt without errno semantics: plain `sqrtf` must set errno for negative inputs, which makes the
/// compiler emit a scalar libm call and blocks vectorisation (we cannot pass -fno-math-errno without
/// unsafe flags). The elementwise builtin lowers to the pure `llvm.sqrt` (NaN for negative inputs).
SYN_INLINE float syn_sqrtf(float x) {
#if defined(__has_builtin) && __has_builtin(__builtin_elementwise_sqrt)
    return __builtin_elementwise_sqrt(x);
#else
    return sqrtf(x);
#endif
}
SYN_INLINE float syn_maxf(float a, float b) { return a > b ? a : b; }

// NaN-propagating max/min (PyTorch's `maximum`/`minimum`, `max` reductions): NaN when either operand
// is NaN. The plain `a > b ? a : b` above (what `maxps` computes) returns `b` whenever either is NaN,
// so a NaN in `a` would silently vanish. The extra unordered compare costs one vector op.
SYN_INLINE float syn_max_nan(float a, float b) { return ((a > b) | (a != a)) ? a : b; }
SYN_INLINE float syn_min_nan(float a, float b) { return ((a < b) | (a != a)) ? a : b; }

/// exp(x), relative error < 2e-7 on [-87, 88]; saturates outside (no inf/denormal results); NaN
/// stays NaN (the clamp alone would turn it into e^88 and hide it from every activation built on exp).
SYN_INLINE float syn_expf(float x0) {
    float x = syn_maxf(syn_minf(x0, 88.3762626647949f), -87.3365478515625f);
    // Round x*log2(e) to nearest with the 1.5*2^23 trick (works without SSE4.1's roundps).
    float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500E-4f;
    p = p * r + 1.3981999507E-3f;
    p = p * r + 8.3334519073E-3f;
    p = p * r + 4.1665795894E-2f;
    p = p * r + 1.6666665459E-1f;
    p = p * r + 5.0000001201E-1f;
    p = p * r * r + r + 1.0f;
    float y = p * syn_bits_to_float(((int32_t)n + 127) << 23);
    return x0 != x0 ? x0 : y;
}

/// log(x), relative error < 2e-7 for normal positive x; -inf at 0, NaN below 0, inf at inf.
SYN_INLINE float syn_logf(float x0) {
    float x = syn_maxf(x0, 1.17549435e-38f);
    int32_t bits = syn_float_to_bits(x);
    int32_t e = ((bits >> 23) & 0xff) - 126;
    float m = syn_bits_to_float((bits & 0x007fffff) | 0x3f000000); // mantissa in [0.5, 1)
    int small = m < 0.707106781186547524f;
    float ef = (float)(e - small);
    m = small ? (m + m - 1.0f) : (m - 1.0f);
    float z = m * m;
    float y = 7.0376836292E-2f;
    y = y * m - 1.1514610310E-1f;
    y = y * m + 1.1676998740E-1f;
    y = y * m - 1.2420140846E-1f;
    y = y * m + 1.4249322787E-1f;
    y = y * m - 1.6668057665E-1f;
    y = y * m + 2.0000714765E-1f;
    y = y * m - 2.4999993993E-1f;
    y = y * m + 3.3333331174E-1f;
    y = y * m * z;
    y += -2.12194440e-4f * ef;
    y += -0.5f * z;
    float r = m + y + 0.693359375f * ef;
    r = x0 == 0.0f ? -INFINITY : r;
    r = x0 < 0.0f ? NAN : r;
    r = x0 == INFINITY ? INFINITY : r;
    r = x0 != x0 ? x0 : r;
    return r;
}

/// log(1 + u) for u >= 0 (accurate for tiny u; Goldberg's correction).
SYN_INLINE float syn_log1pf(float u) {
    float w = 1.0f + u;
    float d = w - 1.0f;
    return d == 0.0f ? u : syn_logf(w) * (u / d);
}

/// tanh(x), absolute error < 3e-7 (polynomial near 0, exp-based elsewhere).
SYN_INLINE float syn_tanhf(float x) {
    float ax = x < 0 ? -x : x;
    float z = x * x;
    float p = -5.70498872745E-3f;
    p = p * z + 2.06390887954E-2f;
    p = p * z - 5.37397155531E-2f;
    p = p * z + 1.33314422036E-1f;
    p = p * z - 3.33332819422E-1f;
    float small = x + x * z * p;
    float t = 1.0f - 2.0f / (syn_expf(2.0f * ax) + 1.0f);
    t = x < 0 ? -t : t;
    return ax < 0.625f ? small : t;
}

SYN_INLINE float syn_sigmoidf(float x) { return 1.0f / (1.0f + syn_expf(-x)); }

/// erf(x) through erfc's Chebyshev fit (Numerical Recipes erfcc, fractional error < 1.2e-7).
SYN_INLINE float syn_erff(float x) {
    float z = x < 0 ? -x : x;
    float t = 1.0f / (1.0f + 0.5f * z);
    float p = 0.17087277f;
    p = p * t - 0.82215223f;
    p = p * t + 1.48851587f;
    p = p * t - 1.13520398f;
    p = p * t + 0.27886807f;
    p = p * t - 0.18628806f;
    p = p * t + 0.09678418f;
    p = p * t + 0.37409196f;
    p = p * t + 1.00002368f;
    p = p * t - 1.26551223f;
    float erfc = t * syn_expf(-z * z + p);
    float r = 1.0f - erfc;
    return x < 0 ? -r : r;
}


// ---- row reductions: 16 independent lanes so the loops vectorise without fast-math ----
// max/min propagate NaN (a row holding NaN reduces to NaN, as in PyTorch).

SYN_INLINE float syn_sum_body(const float *restrict x, size_t n) {
    float acc[16] = {0};
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int k = 0; k < 16; k++) acc[k] += x[i + k];
    float s = 0;
    for (int k = 0; k < 16; k++) s += acc[k];
    for (; i < n; i++) s += x[i];
    return s;
}

SYN_INLINE float syn_max_body(const float *restrict x, size_t n) {
    float acc[16];
    for (int k = 0; k < 16; k++) acc[k] = -INFINITY;
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int k = 0; k < 16; k++) acc[k] = syn_max_nan(x[i + k], acc[k]);
    float m = -INFINITY;
    for (int k = 0; k < 16; k++) m = syn_max_nan(acc[k], m);
    for (; i < n; i++) m = syn_max_nan(x[i], m);
    return m;
}

SYN_INLINE float syn_min_body(const float *restrict x, size_t n) {
    float acc[16];
    for (int k = 0; k < 16; k++) acc[k] = INFINITY;
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int k = 0; k < 16; k++) acc[k] = syn_min_nan(x[i + k], acc[k]);
    float m = INFINITY;
    for (int k = 0; k < 16; k++) m = syn_min_nan(acc[k], m);
    for (; i < n; i++) m = syn_min_nan(x[i], m);
    return m;
}

/// 1 when every x[i] is finite: x − x is +0 for finite x and NaN for ±inf and NaN, so one
/// branch-free vectorised sum answers for the whole buffer (no early exit; the buffer is small next to
/// the work that produced it). 32 lanes (four AVX2 accumulators) so the add latency does not bound
/// it: it runs on every gradient of every training step.
SYN_INLINE int syn_all_finite_body(const float *restrict x, size_t n) {
    float acc[32] = {0};
    size_t i = 0;
    for (; i + 32 <= n; i += 32)
        for (int k = 0; k < 32; k++) acc[k] += x[i + k] - x[i + k];
    float s = 0;
    for (int k = 0; k < 32; k++) s += acc[k];
    for (; i < n; i++) s += x[i] - x[i];
    return s == 0.0f;
}

#endif
