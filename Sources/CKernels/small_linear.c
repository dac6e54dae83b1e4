// Small-batch linear layers for inference (fewer than 8 rows): the dense row kernel, the
// zero-skipping column-panel kernel, and the chain that runs several layers in one team region.
// Each loop body is compiled for baseline x86-64, AVX2+FMA (and AVX-512 for the panel kernel),
// picked at run time.
#include "CKernels.h"
#include <stdint.h>
#include <string.h>

#include "simd_math.h"

// Four weight rows at a time: each x element loaded once feeds four independent FMA chains, and the
// compiler vectorises the k loop (16 float accumulators per row with AVX2).
SYN_INLINE void syn_linear_rows4(const float *restrict xr, size_t k, const float *restrict w, const float *restrict bias,
                                 float *restrict yr, size_t j, int relu) {
    const float *w0 = w + j * k, *w1 = w0 + k, *w2 = w1 + k, *w3 = w2 + k;
    float a0[8] = {0}, a1[8] = {0}, a2[8] = {0}, a3[8] = {0};
    size_t t = 0;
    for (; t + 8 <= k; t += 8)
        for (int l = 0; l < 8; l++) {
            float xv = xr[t + l];
            a0[l] += w0[t + l] * xv; a1[l] += w1[t + l] * xv;
            a2[l] += w2[t + l] * xv; a3[l] += w3[t + l] * xv;
        }
    float s[4] = {0, 0, 0, 0};
    for (int l = 0; l < 8; l++) { s[0] += a0[l]; s[1] += a1[l]; s[2] += a2[l]; s[3] += a3[l]; }
    for (; t < k; t++) { float xv = xr[t]; s[0] += w0[t] * xv; s[1] += w1[t] * xv; s[2] += w2[t] * xv; s[3] += w3[t] * xv; }
    for (int q = 0; q < 4; q++) {
        float v = s[q] + (bias ? bias[j + q] : 0.0f);
        yr[j + q] = relu && v < 0 ? 0.0f : v;
    }
}

SYN_INLINE void syn_linear_row1(const float *restrict xr, size_t k, const float *restrict w, const float *restrict bias,
                                float *restrict yr, size_t j, int relu) {
    const float *wr = w + j * k;
    float acc[8] = {0};
    size_t t = 0;
    for (; t + 8 <= k; t += 8)
        for (int l = 0; l < 8; l++) acc[l] += wr[t + l] * xr[t + l];
    float s = 0;
    for (int l = 0; l < 8; l++) s += acc[l];
    for (; t < k; t++) s += wr[t] * xr[t];
    float v = s + (bias ? bias[j] : 0.0f);
    yr[j] = relu && v < 0 ? 0.0f : v;
}

// Four weight rows at a time: each x element loaded once feeds four independent FMA chains, and the
// compiler vectorises the k loop. `reverse` walks the rows backwards: alternating direction between
// calls reuses the rows the previous call touched last, which are still cached when a thread's
// share of the weights slightly exceeds its L2 (a one-way cyclic sweep would miss on every row).
SYN_INLINE void syn_linear_small_body(const float *restrict x, size_t m, size_t k, const float *restrict w,
                                      const float *restrict bias, float *restrict y, size_t n, size_t j0,
                                      size_t j1, int relu, int reverse) {
    size_t full = j0 + (j1 - j0) / 4 * 4;
    for (size_t mi = 0; mi < m; mi++) {
        const float *xr = x + mi * k;
        float *yr = y + mi * n;
        if (reverse) {
            for (size_t j = j1; j > full; j--) syn_linear_row1(xr, k, w, bias, yr, j - 1, relu);
            for (size_t j = full; j > j0; j -= 4) syn_linear_rows4(xr, k, w, bias, yr, j - 4, relu);
        } else {
            for (size_t j = j0; j < full; j += 4) syn_linear_rows4(xr, k, w, bias, yr, j, relu);
            for (size_t j = full; j < j1; j++) syn_linear_row1(xr, k, w, bias, yr, j, relu);
        }
    }
}
SYN_DISPATCH_VOID(syn_linear_small,
                  (const float *x, size_t m, size_t k, const float *w, const float *bias, float *y, size_t n,
                   size_t j0, size_t j1, int relu, int reverse),
                  (x, m, k, w, bias, y, n, j0, j1, relu, reverse))

// ---- zero-skipping path: W packed as column panels ----

// A row of x with few nonzeros (a ReLU layer's output, an image's background) needs only the
// weights of its nonzero inputs. Column panels make those contiguous: panel p holds W's outputs
// [128p, 128p + 128) for every input t as 128 consecutive floats, so input t of panel p is one
// 512-byte run, and a call reads only the runs of its nonzero inputs (half the bytes of W for W6's
// hidden layer). Each output then sums x[t]·w[t] over the nonzero t in ascending order. A skipped
// zero input would have added 0·w = ±0, which leaves a sum that started at +0 unchanged, so the
// result is the full ascending sum exactly, provided W is finite (0·inf is NaN): packing refuses
// non-finite weights.

int syn_pack_column_panels(const float *w, size_t n, size_t k, float *panels) {
    // All exponent bits set: inf or NaN. A pass of its own, so that it vectorises.
    uint32_t nonfinite = 0;
    for (size_t i = 0; i < n * k; i++) {
        uint32_t bits;
        memcpy(&bits, &w[i], sizeof bits);
        nonfinite |= (bits & 0x7f800000u) == 0x7f800000u;
    }
    if (nonfinite) return 0;
    const size_t count = (n + SYN_LINEAR_PANEL - 1) / SYN_LINEAR_PANEL;
    for (size_t p = 0; p < count; p++) {
        float *panel = panels + p * SYN_LINEAR_PANEL * k;
        const size_t rows = n - p * SYN_LINEAR_PANEL < SYN_LINEAR_PANEL ? n - p * SYN_LINEAR_PANEL : SYN_LINEAR_PANEL;
        // Tiles of 16 rows × 16 inputs: a cache line of each row in, 16 runs' lines out.
        for (size_t t0 = 0; t0 < k; t0 += 16) {
            const size_t t1 = t0 + 16 < k ? t0 + 16 : k;
            for (size_t l0 = 0; l0 < SYN_LINEAR_PANEL; l0 += 16)
                for (size_t t = t0; t < t1; t++)
                    for (size_t l = l0; l < l0 + 16; l++)
                        panel[t * SYN_LINEAR_PANEL + l] = l < rows ? w[(p * SYN_LINEAR_PANEL + l) * k + t] : 0.0f;
        }
    }
    return 1;
}

// Panels [p0, p1) of one row of x, given nonzero inputs idx[0..<nnz] in ascending order (all of the
// row's, or one chunk of them). 128 accumulators: eight AVX-512 registers, so each nonzero input costs
// eight independent FMAs. A chunk after the first resumes from the partial sums the previous chunk
// left in yr (a float stored and reloaded is exact, so the sum is the same ascending sum), and only
// the last chunk adds the bias and applies ReLU.
SYN_INLINE void syn_linear_panels_row_body(const float *restrict xr, size_t k, const float *restrict panels,
                                           const float *restrict bias, float *restrict yr, size_t n, size_t p0,
                                           size_t p1, int relu, const int32_t *restrict idx, size_t nnz, int first,
                                           int last) {
    for (size_t p = p0; p < p1; p++) {
        const float *panel = panels + p * SYN_LINEAR_PANEL * k;
        const size_t base = p * SYN_LINEAR_PANEL;
        const size_t width = n - base < SYN_LINEAR_PANEL ? n - base : SYN_LINEAR_PANEL;
        float acc[SYN_LINEAR_PANEL] = {0};
        if (!first)
            for (size_t l = 0; l < width; l++) acc[l] = yr[base + l];
        for (size_t q = 0; q < nnz; q++) {
            const size_t t = (size_t)idx[q];
            const float xv = xr[t];
            const float *run = panel + t * SYN_LINEAR_PANEL;
            for (int l = 0; l < SYN_LINEAR_PANEL; l++) acc[l] += run[l] * xv;
        }
        for (size_t l = 0; l < width; l++) {
            if (!last) { yr[base + l] = acc[l]; continue; }
            float v = acc[l] + (bias ? bias[base + l] : 0.0f);
            yr[base + l] = relu && v < 0 ? 0.0f : v;
        }
    }
}
// A row in one chunk (every W6-sized layer) gets a copy compiled without the resume and store branches.
SYN_INLINE void syn_linear_panels_row_chunk_body(const float *restrict xr, size_t k, const float *restrict panels,
                                                 const float *restrict bias, float *restrict yr, size_t n, size_t p0,
                                                 size_t p1, int relu, const int32_t *restrict idx, size_t nnz,
                                                 int first, int last) {
    if (first && last) syn_linear_panels_row_body(xr, k, panels, bias, yr, n, p0, p1, relu, idx, nnz, 1, 1);
    else syn_linear_panels_row_body(xr, k, panels, bias, yr, n, p0, p1, relu, idx, nnz, first, last);
}
SYN_DISPATCH_VOID_AVX512(syn_linear_panels_row_chunk,
                         (const float *xr, size_t k, const float *panels, const float *bias, float *yr, size_t n,
                          size_t p0, size_t p1, int relu, const int32_t *idx, size_t nnz, int first, int last),
                         (xr, k, panels, bias, yr, n, p0, p1, relu, idx, nnz, first, last))

// Inputs per index list: the list lives on the stack, and a wider row is gathered in chunks of this
// many inputs, so a row's path never depends on whether memory could be allocated.
#define SYN_LINEAR_INDEX_CHUNK 2048

// The rule that sends a row to the panels: at most NUM / DEN of its k inputs nonzero.
static inline int syn_linear_row_is_sparse(size_t nnz, size_t k) {
    return nnz * SYN_LINEAR_SPARSE_DEN <= k * SYN_LINEAR_SPARSE_NUM;
}

// The nonzero inputs among xr[t0..<t1], ascending (NaN and inf count as nonzero), without a branch per
// element: an image's zero pattern would defeat the branch predictor.
static size_t syn_nonzero_inputs(const float *xr, size_t t0, size_t t1, int32_t *idx) {
    size_t nnz = 0;
    for (size_t t = t0; t < t1; t++) {
        idx[nnz] = (int32_t)t;
        nnz += xr[t] != 0.0f;
    }
    return nnz;
}

static size_t syn_count_nonzero(const float *xr, size_t k) {
    size_t nnz = 0;
    for (size_t t = 0; t < k; t++) nnz += xr[t] != 0.0f;
    return nnz;
}

int syn_linear_has_sparse_row(const float *x, size_t m, size_t k) {
    for (size_t mi = 0; mi < m; mi++)
        if (syn_linear_row_is_sparse(syn_count_nonzero(x + mi * k, k), k)) return 1;
    return 0;
}

// ---- chains ----

// [lo, hi) of `count` units for thread `index` of `team`: every thread gets a fixed share.
static void syn_share(size_t count, int index, int team, size_t *lo, size_t *hi) {
    *lo = count * (size_t)index / (size_t)team;
    *hi = count * (size_t)(index + 1) / (size_t)team;
}

void syn_linear_chain_small(const float *x, size_t m, const syn_linear_chain_layer *layers, int count, int index,
                            int team) {
    // The zero-skipping path's index list (one chunk of a row's nonzero inputs).
    int32_t idx[SYN_LINEAR_INDEX_CHUNK];
    const float *input = x;
    for (int l = 0; l < count; l++) {
        const syn_linear_chain_layer *layer = &layers[l];
        // Every thread passes the same barriers: before a layer that reads rows another thread wrote.
        if (l > 0 && (layer->split || layers[l - 1].split)) syn_parallel_barrier();
        const size_t n = layer->n, k = layer->k;
        // Dense rows: blocks of 4 rows, thread i always the same rows (single layers come through here
        // too). Panels: thread i always the same panels. A thread past the team's work gets none.
        size_t j0 = 0, j1 = n, p0 = 0, p1 = (n + SYN_LINEAR_PANEL - 1) / SYN_LINEAR_PANEL;
        if (layer->split) {
            syn_share((n + 3) / 4, index, team, &j0, &j1);
            j0 *= 4; j1 *= 4;
            if (j0 > n) j0 = n;
            if (j1 > n) j1 = n;
            syn_share(p1, index, team, &p0, &p1);
        } else if (index != 0) {
            j1 = 0; p1 = 0;
        }
        for (size_t mi = 0; mi < m; mi++) {
            const float *xr = input + mi * k;
            float *yr = layer->output + mi * n;
            // Each row picks its path from its own zeros; every thread sees the same row, so all agree.
            if (layer->panels) {
                // A row that fits one chunk is gathered once, which also counts it; a wider row is
                // counted first and gathered chunk by chunk.
                const int one_chunk = k <= SYN_LINEAR_INDEX_CHUNK;
                const size_t nnz = one_chunk ? syn_nonzero_inputs(xr, 0, k, idx) : syn_count_nonzero(xr, k);
                if (syn_linear_row_is_sparse(nnz, k)) {
                    if (p0 < p1) {
                        for (size_t t0 = 0; t0 < k; t0 += SYN_LINEAR_INDEX_CHUNK) {
                            const size_t t1 = k - t0 < SYN_LINEAR_INDEX_CHUNK ? k : t0 + SYN_LINEAR_INDEX_CHUNK;
                            const size_t chunk = one_chunk ? nnz : syn_nonzero_inputs(xr, t0, t1, idx);
                            syn_linear_panels_row_chunk(xr, k, layer->panels, layer->bias, yr, n, p0, p1, layer->relu,
                                                        idx, chunk, t0 == 0, t1 == k);
                        }
                    }
                    continue;
                }
            }
            if (j0 < j1) syn_linear_small(xr, 1, k, layer->weight, layer->bias, yr, n, j0, j1, layer->relu, layer->reverse);
        }
        input = layer->output;
    }
}
