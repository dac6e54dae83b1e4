// int8 quantization kernels: the element-wise passes around oneDNN's int8 matmul (quantize the
// activations before it, add bias and ReLU after it). Written once, compiled for baseline x86-64
// and AVX2+FMA like kernels.c.
#include "CKernels.h"
#include "simd_math.h"

// Clamping in float before the conversion keeps the integer cast defined for every finite input;
// the float-to-int conversion rounds half to even (the default rounding mode), as PyTorch's
// quantize_per_tensor (nearbyint) does. Callers never pass NaN (they check the range first).
SYN_INLINE void syn_quantize_u8_body(const float *restrict x, uint8_t *restrict q, size_t n, float inv_scale,
                                     float zero_point, float qmax) {
    for (size_t i = 0; i < n; i++) {
        float v = nearbyintf(x[i] * inv_scale) + zero_point;
        v = v < 0.0f ? 0.0f : v;
        v = v > qmax ? qmax : v;
        q[i] = (uint8_t)(int32_t)v;
    }
}
SYN_DISPATCH_VOID(syn_quantize_u8, (const float *x, uint8_t *q, size_t n, float inv_scale, float zero_point, float qmax),
                  (x, q, n, inv_scale, zero_point, qmax))

SYN_INLINE void syn_bias_relu_rows_body(float *restrict y, const float *restrict bias, size_t rows, size_t cols, int relu) {
    for (size_t r = 0; r < rows; r++) {
        float *row = y + r * cols;
        if (bias) for (size_t c = 0; c < cols; c++) row[c] += bias[c];
        // `v <= 0 ? 0 : v` passes NaN through, as the float ReLU does.
        if (relu) for (size_t c = 0; c < cols; c++) { float v = row[c]; row[c] = v <= 0.0f ? 0.0f : v; }
    }
}
SYN_DISPATCH_VOID(syn_bias_relu_rows, (float *y, const float *bias, size_t rows, size_t cols, int relu), (y, bias, rows, cols, relu))

// Quantizes `images` NCHW planes into NHWC u8 (the int8 convolution's input layout) in one pass:
// reads each channel plane contiguously, writes with stride `channels`.
SYN_INLINE void syn_quantize_nchw_to_nhwc_u8_body(const float *restrict x, uint8_t *restrict q, size_t images, size_t channels,
                                                  size_t plane, float inv_scale, float zero_point, float qmax) {
    for (size_t n = 0; n < images; n++) {
        const float *xi = x + n * channels * plane;
        uint8_t *qi = q + n * channels * plane;
        for (size_t c = 0; c < channels; c++) {
            const float *xc = xi + c * plane;
            for (size_t p = 0; p < plane; p++) {
                float v = nearbyintf(xc[p] * inv_scale) + zero_point;
                v = v < 0.0f ? 0.0f : v;
                v = v > qmax ? qmax : v;
                qi[p * channels + c] = (uint8_t)(int32_t)v;
            }
        }
    }
}
SYN_DISPATCH_VOID(syn_quantize_nchw_to_nhwc_u8,
                  (const float *x, uint8_t *q, size_t images, size_t channels, size_t plane, float inv_scale, float zero_point, float qmax),
                  (x, q, images, channels, plane, inv_scale, zero_point, qmax))

// NHWC f32 (the int8 convolution's output) back to NCHW, adding bias[c] and applying ReLU on the way.
SYN_INLINE void syn_nhwc_to_nchw_bias_relu_body(const float *restrict y, float *restrict out, const float *restrict bias, size_t images,
                                                size_t channels, size_t plane, int relu) {
    for (size_t n = 0; n < images; n++) {
        const float *yi = y + n * channels * plane;
        float *oi = out + n * channels * plane;
        for (size_t c = 0; c < channels; c++) {
            float b = bias ? bias[c] : 0.0f;
            float *oc = oi + c * plane;
            for (size_t p = 0; p < plane; p++) {
                float v = yi[p * channels + c] + b;
                oc[p] = relu ? (v <= 0.0f ? 0.0f : v) : v;
            }
        }
    }
}
SYN_DISPATCH_VOID(syn_nhwc_to_nchw_bias_relu,
                  (const float *y, float *out, const float *bias, size_t images, size_t channels, size_t plane, int relu),
                  (y, out, bias, images, channels, plane, relu))
