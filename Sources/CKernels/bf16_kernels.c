// bfloat16 conversions for autocast: round-to-nearest-even of Float32 to bfloat16's 8 significand
// bits, either kept in Float32 storage (the operands of the emulated bf16 products, and the
// gradients that a bf16 kernel would see) or packed to 16-bit patterns for oneDNN's bf16 kernels.
// Branch-free so the loops vectorise; NaN stays a (quiet) NaN, ±inf and overflow follow IEEE rounding.
#include "CKernels.h"
#include "simd_math.h"

SYN_INLINE uint32_t syn_bf16_round_bits(uint32_t u) {
    uint32_t rounded = (u + 0x7FFFu + ((u >> 16) & 1u)) & 0xFFFF0000u;
    uint32_t quiet_nan = (u | 0x00400000u) & 0xFFFF0000u;
    return (u & 0x7FFFFFFFu) > 0x7F800000u ? quiet_nan : rounded;
}

SYN_INLINE void syn_round_bf16_body(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &x[i], 4);
        u = syn_bf16_round_bits(u);
        memcpy(&y[i], &u, 4);
    }
}
SYN_DISPATCH_VOID(syn_round_bf16, (const float *x, float *y, size_t n), (x, y, n))

SYN_INLINE void syn_f32_to_bf16_body(const float *restrict x, uint16_t *restrict y, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &x[i], 4);
        y[i] = (uint16_t)(syn_bf16_round_bits(u) >> 16);
    }
}
SYN_DISPATCH_VOID(syn_f32_to_bf16, (const float *x, uint16_t *y, size_t n), (x, y, n))
