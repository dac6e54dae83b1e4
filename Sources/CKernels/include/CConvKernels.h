#ifndef SYNAPSE_CCONV_KERNELS_H
#define SYNAPSE_CCONV_KERNELS_H
// Direct convolution forward pass for a single input channel at stride 1, dilation 1 (the first
// layer of a grayscale-image network). oneDNN's kernel for this shape writes a blocked output, and
// reordering that to NCHW costs more than the convolution itself; this one writes NCHW directly.
// (The backward passes stay on oneDNN: its weight-gradient kernel plus the reorder beat a direct one.)
//
// The kernel works in "padded-width" coordinates: an image is copied zero-padded as rows of
// wp = w + 2·pw (hp = h + 2·ph rows, plus kw trailing zeros), and output row i is computed over all
// wp columns, of which the first ow are kept. Then each kernel tap is one contiguous shifted
// multiply-add over the whole plane, which vectorises without remainders per row.
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Geometry of a single-input-channel convolution: x [n, 1, h, w], weights [o, 1, kh, kw], output
/// [n, o, oh, ow] with oh = h + 2·ph − kh + 1, ow = w + 2·pw − kw + 1.
typedef struct {
    int64_t n, h, w, o, kh, kw, ph, pw, oh, ow;
} syn_conv1ch_geometry;

/// Forward pass for examples [n0, n1): y = conv(x, w) (+ bias if non-NULL). Callers split the
/// examples across threads.
void syn_conv1ch_forward(const float *x, const float *w, const float *bias, float *y, syn_conv1ch_geometry g,
                         int64_t n0, int64_t n1);

#ifdef __cplusplus
}
#endif
#endif
