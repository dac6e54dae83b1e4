#ifndef SYNAPSE_CKERNELS_H
#define SYNAPSE_CKERNELS_H
// Vectorised float32 kernels for Synapse. Each public function is compiled twice (baseline x86-64 and
// AVX2+FMA) and picks a version at run time, so the library needs no target flags and runs on any CPU.
// All functions operate on dense buffers; callers split work across threads.
#include <stddef.h>
#include <stdint.h>
#include "lm_kernels.h"
#include "CPoolKernels.h"
#include "CConvKernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Unary operations understood by `syn_unary` / `syn_unary_backward`.
typedef enum {
    SYN_EXP = 0, SYN_LOG, SYN_SQRT, SYN_TANH, SYN_SIGMOID, SYN_RELU, SYN_ABS, SYN_NEG,
    SYN_LEAKY_RELU, SYN_ELU, SYN_SELU, SYN_SILU, SYN_SOFTPLUS, SYN_GELU_ERF, SYN_GELU_TANH,
    SYN_SQUARE, SYN_RECIPROCAL
} syn_unary_op;

/// Turns the AVX-512 variants of the elementwise and language-model kernels on (where the CPU has
/// AVX-512 F/DQ/VL/BW and SYNAPSE_AVX512 is not 0) or off; returns whether they are now used.
/// Their results equal the AVX2 variants' bit for bit; tests compare the two.
int syn_kernels_set_avx512(int enabled);
/// y[i] = op(x[i]); `a` and `b` are op parameters (leaky slope / elu alpha / softplus beta, threshold).
void syn_unary(syn_unary_op op, const float *x, float *y, size_t n, float a, float b);
/// dx[i] = dy[i] * op'(x[i]) given the input `x` and (for exp/tanh/sigmoid/sqrt) the output `y`.
void syn_unary_backward(syn_unary_op op, const float *x, const float *y, const float *dy, float *dx,
                        size_t n, float a, float b);

/// Binary operations for `syn_binary`.
typedef enum { SYN_ADD = 0, SYN_SUB, SYN_MUL, SYN_DIV, SYN_MAX, SYN_MIN } syn_binary_op;
/// z[i] = a[i] op b[i] (dense, same length).
void syn_binary(syn_binary_op op, const float *a, const float *b, float *z, size_t n);
/// z[i] = a[i] op s (scalar right operand).
void syn_binary_scalar(syn_binary_op op, const float *a, float s, float *z, size_t n);
/// z[i] = s op a[i] (scalar left operand).
void syn_scalar_binary(syn_binary_op op, float s, const float *a, float *z, size_t n);
/// y[i] += alpha * x[i].
void syn_axpy(float alpha, const float *x, float *y, size_t n);
/// y[i] = min(max(x[i], lo), hi); NaN stays NaN.
void syn_clamp(const float *x, float *y, size_t n, float lo, float hi);

/// q[i] = clamp(round_half_even(x[i]·inv_scale) + zero_point, 0, qmax) as u8: affine quantization of
/// activations for the int8 matmul. `x` must be finite.
void syn_quantize_u8(const float *x, uint8_t *q, size_t n, float inv_scale, float zero_point, float qmax);
/// Adds bias[c] to every row of a [rows, cols] matrix (when `bias` is not NULL), then ReLU when
/// `relu` (NaN passes through): what follows an int8 matmul, whose oneDNN bias would be scaled.
void syn_bias_relu_rows(float *y, const float *bias, size_t rows, size_t cols, int relu);
/// Quantizes `images` NCHW images (`channels` planes of `plane` floats each) into NHWC u8 as
/// `syn_quantize_u8` does: the int8 convolution's input. `x` must be finite.
void syn_quantize_nchw_to_nhwc_u8(const float *x, uint8_t *q, size_t images, size_t channels, size_t plane,
                                  float inv_scale, float zero_point, float qmax);
/// out (NCHW) = y (NHWC) + bias[c] (when not NULL), then ReLU when `relu` (NaN passes through).
void syn_nhwc_to_nchw_bias_relu(const float *y, float *out, const float *bias, size_t images, size_t channels, size_t plane,
                                int relu);
/// y = x rounded to nearest-even bfloat16, kept in Float32 storage (low 16 bits zero); y may be x.
void syn_round_bf16(const float *x, float *y, size_t n);
/// y = the bfloat16 bit patterns of x, rounded to nearest-even (NaN stays NaN).
void syn_f32_to_bf16(const float *x, uint16_t *y, size_t n);
/// y = x rounded to nearest-even IEEE float16, kept in Float32 storage: ±inf from 65520 up,
/// subnormal quantum 2^-24, ±0 below 2^-25; NaN stays NaN; y may be x.
void syn_round_f16(const float *x, float *y, size_t n);
/// Sum of x[0..n) (pairwise-blocked, 16 accumulators).
float syn_sum(const float *x, size_t n);
/// Maximum / minimum of x[0..n) (n > 0); NaN when any element is NaN (PyTorch semantics).
float syn_max(const float *x, size_t n);
float syn_min(const float *x, size_t n);
/// 1 when every element of x[0..n) is finite (no NaN, no ±inf), else 0; one vectorised pass.
int syn_all_finite(const float *x, size_t n);
/// out[j] += x[i*cols + j] for all rows i: column sums of a [rows, cols] block.
void syn_sum_rows_into(const float *x, float *out, size_t rows, size_t cols);
/// out[j] += Σ_r x[r·ld + j] for j < cols: the column sums of a block of a wider row-major matrix
/// (each column summed in row order, so any split of the columns gives the same bits).
void syn_sum_rows_into_ld(const float *x, float *out, size_t rows, size_t cols, size_t ld);

/// Row-wise softmax of a [rows, cols] matrix (stable); `log` selects log-softmax.
void syn_softmax_rows(const float *x, float *y, size_t rows, size_t cols, int log);
/// Softmax backward per row: dx = y * (dy - sum(dy*y)); log-softmax: dx = dy - exp(y) * sum(dy).
void syn_softmax_rows_backward(const float *y, const float *dy, float *dx, size_t rows, size_t cols, int log);

/// One Adam/AdamW step over n parameters (PyTorch semantics). `weight_decay` is L2 (added to the
/// gradient) when `decoupled` is 0, AdamW's decoupled decay otherwise. bias corrections are precomputed.
void syn_adam_step(float *param, const float *grad, float *exp_avg, float *exp_avg_sq, float *max_exp_avg_sq,
                   size_t n, float lr, float beta1, float beta2, float eps, float weight_decay, int decoupled,
                   float bias_correction1, float bias_correction2);

/// Small-batch linear layer for inference: y[m, j] = act(b[j] + Σ_k x[m, k]·w[j, k]) for rows j in
/// [j0, j1) of W [n, k] (row-major, PyTorch layout), m < 8 examples. Streams each weight row once for
/// all examples; `relu` fuses the activation; `reverse` walks the rows backwards (see kernels.c).
/// Callers split [0, n) across threads.
void syn_linear_small(const float *x, size_t m, size_t k, const float *w, const float *bias,
                      float *y, size_t n, size_t j0, size_t j1, int relu, int reverse);

/// One layer of `syn_linear_chain_small`: W [n, k] row-major, bias [n] or NULL, output [m, n].
typedef struct {
    const float *weight;
    const float *bias;
    float *output;
    size_t n, k;
    int relu;
    int reverse;
    /// 1: the rows of W are split across the team (as `syn_linear_small`'s callers split them);
    /// 0: thread 0 computes the whole layer.
    int split;
    /// W packed by `syn_pack_column_panels`, or NULL. When given, a row of x with at most
    /// SYN_LINEAR_SPARSE_NUM / SYN_LINEAR_SPARSE_DEN of its inputs nonzero skips the zero ones.
    const float *panels;
} syn_linear_chain_layer;

/// Outputs per column panel of `syn_pack_column_panels`.
#define SYN_LINEAR_PANEL 128
/// The zero-skipping path runs for rows with nnz / k ≤ NUM / DEN (it reads 1.2× the bytes per input
/// of the dense path, so it pays below about 80% nonzeros).
#define SYN_LINEAR_SPARSE_NUM 7
#define SYN_LINEAR_SPARSE_DEN 10

/// Packs W [n, k] (row-major) as ⌈n / 128⌉ column panels: panels[(p·k + t)·128 + l] = W[128p + l, t],
/// 0 past row n − 1. `panels` holds ⌈n / 128⌉·128·k floats. Returns 1, or 0 when W holds inf or NaN
/// (skipping a zero input would then hide the NaN of 0·inf; such weights take the dense path).
int syn_pack_column_panels(const float *w, size_t n, size_t k, float *panels);

/// 1 when some row of x [m, k] has at most SYN_LINEAR_SPARSE_NUM / SYN_LINEAR_SPARSE_DEN of its
/// inputs nonzero (a row `syn_linear_chain_small` would run on panels), else 0.
int syn_linear_has_sparse_row(const float *x, size_t m, size_t k);

/// A chain of small-batch linear layers (`syn_linear_small` each, layer l reading layer l − 1's
/// output) run by thread `index` of a team of `team`, with a barrier between dependent layers (inside
/// one `syn_parallel_run_team` region; a single layer needs none and may run from any region).
/// Thread i always gets the same blocks of 4 rows (or the same panels) of a split layer, whether the
/// layer runs alone or in a chain, so a chain's results are bit for bit those of its layers run one by
/// one. A row on the zero-skipping path gives the same bits at any team size (see small_linear.c).
void syn_linear_chain_small(const float *x, size_t m, const syn_linear_chain_layer *layers, int count, int index,
                            int team);

/// Geometry of a 2-D convolution over a batch (1-D convolutions use h = kh = 1).
typedef struct {
    int64_t n, c, h, w;        // input batch, channels, height, width
    int64_t kh, kw;            // kernel size
    int64_t sh, sw, ph, pw;    // stride, zero padding
    int64_t dh, dw;            // dilation
    int64_t oh, ow;            // output size
} syn_conv_geometry;

/// im2col for channels [c0, c1) of every example: column row r = (c·kh + i)·kw + j (relative to c0),
/// column (n·oh + y)·ow + x holds x[n, c, y·sh − ph + i·dh, x·sw − pw + j·dw] (0 outside).
/// `cols` has (c1 − c0)·kh·kw rows of n·oh·ow; rows for channels [ca, cb) are written.
void syn_im2col(const float *x, float *cols, syn_conv_geometry g, int64_t c0, int64_t c1, int64_t ca, int64_t cb);
/// The adjoint of `syn_im2col`: accumulates columns back into dx for channels [ca, cb) (dx pre-zeroed).
void syn_col2im(const float *cols, float *dx, syn_conv_geometry g, int64_t c0, int64_t c1, int64_t ca, int64_t cb);

/// 2-D max pooling over planes [p0, p1) of [planes, h, w]: y[plane, i, j] is the maximum of the window
/// and idx the flat in-plane offset of its first maximum (−1 for an all-padding window). Uses the
/// geometry's n as the plane count, c = 1; padding counts as −∞. With `relu` set, y is ReLU of the
/// maximum (`v <= 0 ? 0 : v`), which equals pooling ReLU's output, in one pass over x.
void syn_maxpool2d(const float *x, float *y, int32_t *idx, syn_conv_geometry g, int64_t p0, int64_t p1, int relu);

/// Sets the thread count of the OpenMP runtime that oneDNN uses (no-op if it is not loaded).
void syn_omp_set_num_threads(int n);

/// A parallel task: called once per team thread with that thread's index.
typedef void (*syn_task_fn)(void *context, int thread_index);
/// True when the GNU OpenMP runtime (loaded with oneDNN) can run `syn_parallel_run`.
int syn_parallel_available(void);
/// Runs `fn(context, i)` for i in 0..<threads on the OpenMP team (the caller is thread 0) and waits.
/// Using oneDNN's own team for our kernels means one set of threads serves both, so neither spins
/// against the other on a small machine.
void syn_parallel_run(syn_task_fn fn, void *context, int threads);

/// A team task: called once per team thread with that thread's index and the team's size.
typedef void (*syn_team_fn)(void *context, int thread_index, int team_size);
/// Runs `fn(context, i, team)` on every thread of a real OpenMP team (the caller is thread 0) and
/// waits; where no team can be forked (one thread, a serial thread, a reduced team, no OpenMP), calls
/// `fn(context, 0, 1)` once. Unlike `syn_parallel_run`, the body may call `syn_parallel_barrier`, so
/// one region can run a chain of dependent steps.
void syn_parallel_run_team(syn_team_fn fn, void *context, int threads);
/// Waits until every thread of the current `syn_parallel_run_team` region arrives; a no-op outside
/// one (or in a team of one).
void syn_parallel_barrier(void);

/// Monotonic clock in nanoseconds.
int64_t syn_monotonic_ns(void);

/// The adaptive team-size policy's state (see parallel.c): whether regions currently run on the
/// caller alone because team threads lost scheduler ticks, when to try the full team again, and counters.
typedef struct {
    int reduced;
    int64_t probe_at_ns;
    int64_t backoff_ns;
    int64_t last_disturbed_ns;
    int64_t restored_at_ns;
    int64_t reductions;
    int64_t disturbed_regions;
} syn_team_policy;
/// A fresh policy: full team, shortest back-off.
void syn_team_policy_init(syn_team_policy *p);
/// Feeds one region's timings (the fastest and slowest thread's finish, from the region's start) at
/// `now_ns`; returns 1 when the team should drop to one thread from now on.
int syn_team_policy_update(syn_team_policy *p, int64_t now_ns, int64_t fastest_ns, int64_t slowest_ns);
/// For a reduced team: returns 1 (and marks the team full again) when the back-off has passed.
int syn_team_policy_should_probe(syn_team_policy *p, int64_t now_ns);
/// Turns the adaptive policy on or off (default on; `SYNAPSE_ADAPTIVE_THREADS=0` turns it off).
void syn_parallel_set_adaptive(int enabled);
/// The team size a region started now would get: `threads`, or 1 while the team is reduced (when
/// the back-off has passed, the full team is restored and `threads` returned: the probe).
int syn_parallel_team_size(int threads);
/// Names the calling thread (the first 15 bytes) as top -H, perf and debuggers show it; a no-op
/// where the system has no thread names.
void syn_set_thread_name(const char *name);
/// Makes every parallel region started from the calling thread run on that thread alone (1), or
/// lets it use the team again (0); oneDNN's OpenMP regions from the thread follow when set.
void syn_parallel_set_thread_serial(int serial);
/// 1 when the calling thread runs its regions alone (`syn_parallel_set_thread_serial`).
int syn_parallel_thread_serial(void);
/// 1 while parallel regions run on the caller alone because the team was found losing ticks.
int syn_parallel_team_reduced(void);
/// How many times the team was reduced, and how many regions were found disturbed, so far.
void syn_parallel_team_stats(int64_t *reductions, int64_t *disturbed_regions);

#ifdef __cplusplus
}
#endif
#endif
