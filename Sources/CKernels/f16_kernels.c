// IEEE binary16 (float16) rounding for float16 autocast: Float32 values rounded to the nearest
// float16 (round half to even) and kept in Float32 storage — the operands of the emulated float16
// products and the gradients a float16 kernel would see. Unlike bfloat16, float16 has a narrow range,
// and that is the point of emulating it faithfully: magnitudes of 65520 and above overflow to ±inf,
// and magnitudes below 2^-14 lose precision as subnormals (quantum 2^-24) and flush to ±0 below
// 2^-25 — the underflow that dynamic loss scaling exists to avoid. NaN stays a (quiet) NaN.
// Branch-free (selects) so the loop vectorises on any x86-64 or arm64 target, no F16C needed.
#include "CKernels.h"
#include "simd_math.h"

SYN_INLINE uint32_t syn_f16_round_bits(uint32_t u) {
    uint32_t sign = u & 0x80000000u, a = u & 0x7FFFFFFFu;
    // Normal float16 range: keep 10 of the 23 significand bits, ties to even; a carry moves into the
    // exponent as it should.
    uint32_t normal = (a + 0x0FFFu + ((a >> 13) & 1u)) & 0xFFFFE000u;
    // Subnormal float16 range (|x| < 2^-14): round to a multiple of 2^-24 by adding 0.5, whose ulp
    // is 2^-24, in Float32 arithmetic (ties to even), then taking it away again (exact).
    float f;
    memcpy(&f, &a, 4);
    float s = (f + 0.5f) - 0.5f;
    uint32_t subnormal;
    memcpy(&subnormal, &s, 4);
    uint32_t r = a < 0x38800000u ? subnormal : normal;   // 0x38800000 = 2^-14
    r = a >= 0x477FF000u ? 0x7F800000u : r;              // 65520 (and inf) round to inf
    r = a > 0x7F800000u ? (a | 0x00400000u) : r;         // NaN stays NaN, made quiet
    return sign | r;
}

SYN_INLINE void syn_round_f16_body(const float *x, float *y, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &x[i], 4);
        u = syn_f16_round_bits(u);
        memcpy(&y[i], &u, 4);
    }
}
SYN_DISPATCH_VOID(syn_round_f16, (const float *x, float *y, size_t n), (x, y, n))
