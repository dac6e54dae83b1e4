/*
 * The mean of every process's copy of a gradient bucket, written into a gradient: what a
 * data-parallel step does on one host once the processes' buckets are visible to each other
 * (DistributedDataParallel's write-back). It reads memory that another core has just written, so
 * it runs at the pace of those transfers: 256-bit loads keep about three times as many of them in
 * flight as the SSE loop Swift compiles (1.7 MB: 0.06 ms against 0.18 ms between two Zen 4 cores).
 * The sums run in rank order, ((s0 + s1) + s2) + ..., then one product by the scale, with no fused
 * multiply-add: the bits of shared_region.c's sums followed by the write-back, on every CPU.
 */
#include "CMPIBridge.h"

static inline void syn_mean_body(const float *const *sources, int n, int64_t offset, float scale, float *restrict out,
                                 int64_t count) {
    const float *restrict first = sources[0] + offset;
    if (n == 1) {
        for (int64_t i = 0; i < count; i++) out[i] = first[i] * scale;
        return;
    }
    const float *restrict second = sources[1] + offset;
    if (n == 2) {
        for (int64_t i = 0; i < count; i++) out[i] = (first[i] + second[i]) * scale;
        return;
    }
    for (int64_t i = 0; i < count; i++) out[i] = first[i] + second[i];
    for (int r = 2; r < n; r++) {
        const float *restrict next = sources[r] + offset;
        for (int64_t i = 0; i < count; i++) out[i] += next[i];
    }
    for (int64_t i = 0; i < count; i++) out[i] *= scale;
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
__attribute__((target("avx2"))) static void syn_mean_avx2(const float *const *sources, int n, int64_t offset, float scale,
                                                         float *out, int64_t count) {
    syn_mean_body(sources, n, offset, scale, out, count);
}
#endif

void synapse_mean_of_buffers(const float *const *sources, int n, int64_t offset, float scale, float *out, int64_t count) {
    if (n <= 0 || count <= 0) return;
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (__builtin_cpu_supports("avx2")) {
        syn_mean_avx2(sources, n, offset, scale, out, count);
        return;
    }
#endif
    syn_mean_body(sources, n, offset, scale, out, count);
}
