// oneDNN convolution primitives (2.x C API) with cached reorders between plain NCHW/OIHW buffers and
// the blocked layouts oneDNN prefers ("any"). On AVX-512 the blocked direct kernels run about 1.8x
// faster than oneDNN's own plain-layout (GEMM) path, and the reorders cost a few percent of that.
//
// One handle per shape, holding the forward, backward-data and backward-weights primitives and their
// reorders. A handle holds no buffers: each call places the blocked intermediate buffers and the
// primitives' (user-managed) scratchpads in the calling thread's arena (dnnl_context.h), so an idle
// handle pins no activation-sized memory, and any number of threads may run the same convolution at
// once without a lock.
#include "CDNNLConvolution.h"
#include "dnnl_context.h"
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define conv_engine syn_dnnl_engine()

// A buffer in oneDNN's chosen layout plus the reorder between it and the plain layout. When the
// chosen layout is the plain one, `reorder` is NULL and calls use the caller's buffer directly.
typedef struct {
    dnnl_memory_desc_t plain, chosen;
    dnnl_primitive_t reorder;       // plain -> chosen for inputs, chosen -> plain for outputs
    dnnl_memory_desc_t scratch_md;  // the reorder's scratchpad (usually none)
    size_t scratch_size;
} conv_operand;

// One call's allocations in the calling thread's arena: reordered operand buffers first, then one
// scratchpad region reused by each primitive of the call in turn (they run one after another).
enum { CALL_MAX_MEMORIES = 32 };
typedef struct {
    dnnl_stream_t stream;
    char *base;
    size_t used;
    char *scratch;
    dnnl_memory_t owned[CALL_MAX_MEMORIES];
    int owned_count;
} conv_call;

typedef struct {
    syn_conv_shape shape;
    dnnl_memory_desc_t src_md, wei_md, bias_md, dst_md;  // plain descriptors
    dnnl_dims_t strides, dilates, pad_l, pad_r;
    dnnl_primitive_desc_t fwd_pd, bwd_data_pd, bwd_weights_pd;
    dnnl_primitive_t fwd, bwd_data, bwd_weights;
    conv_operand f_src, f_wei, f_dst;               // forward
    conv_operand d_ddst, d_wei, d_dsrc;             // backward data
    conv_operand w_src, w_ddst, w_dwei;             // backward weights
    dnnl_memory_desc_t fwd_scratch_md, bwd_data_scratch_md, bwd_weights_scratch_md;
    size_t fwd_scratch, bwd_data_scratch, bwd_weights_scratch;
} syn_conv;

static dnnl_status_t operand_init(conv_operand *op, const dnnl_memory_desc_t *plain, const dnnl_memory_desc_t *chosen,
                                  int to_chosen) {
    op->plain = *plain;
    op->chosen = *chosen;
    if (dnnl_memory_desc_equal(plain, chosen)) return dnnl_success;
    dnnl_primitive_desc_t rpd = NULL;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_status_t s = syn_dnnl_user_scratchpad_attr(&attr);
    if (s == dnnl_success)
        s = to_chosen ? dnnl_reorder_primitive_desc_create(&rpd, plain, conv_engine, chosen, conv_engine, attr)
                      : dnnl_reorder_primitive_desc_create(&rpd, chosen, conv_engine, plain, conv_engine, attr);
    if (attr) dnnl_primitive_attr_destroy(attr);
    if (s == dnnl_success) s = dnnl_primitive_create(&op->reorder, rpd);
    if (s == dnnl_success) {
        op->scratch_size = syn_dnnl_scratchpad_size(rpd);
        if (op->scratch_size) op->scratch_md = *dnnl_primitive_desc_query_md(rpd, dnnl_query_scratchpad_md, 0);
    }
    if (rpd) dnnl_primitive_desc_destroy(rpd);
    return s;
}

static void operand_destroy(conv_operand *op) {
    if (op->reorder) dnnl_primitive_destroy(op->reorder);
}

// Starts a call: reserves the thread's arena for the reordered buffers of `ops` plus `scratch` bytes.
static dnnl_status_t call_begin(conv_call *call, conv_operand *const *ops, int count, size_t scratch) {
    memset(call, 0, sizeof *call);
    dnnl_status_t s = dnnl_success;
    call->stream = syn_dnnl_thread_stream(&s);
    if (s != dnnl_success) return s;
    size_t need = 0;
    for (int i = 0; i < count; i++) {
        if (!ops[i]->reorder) continue;
        need += syn_round64(dnnl_memory_desc_get_size(&ops[i]->chosen));
        if (ops[i]->scratch_size > scratch) scratch = ops[i]->scratch_size;
    }
    if (need + scratch == 0) return dnnl_success;
    call->base = syn_dnnl_thread_arena(need + scratch);
    if (!call->base) return dnnl_out_of_memory;
    call->scratch = call->base + need;
    return dnnl_success;
}

// Wraps `data` (or a region of the arena) as memory owned by the call.
static dnnl_status_t call_memory(conv_call *call, const dnnl_memory_desc_t *md, void *data, dnnl_memory_t *out) {
    if (call->owned_count == CALL_MAX_MEMORIES) return dnnl_out_of_memory;
    dnnl_status_t s = dnnl_memory_create(out, md, conv_engine, data);
    if (s == dnnl_success) call->owned[call->owned_count++] = *out;
    else *out = NULL;
    return s;
}

// Destroys the call's memory objects and trims an unusually large arena.
static void call_end(conv_call *call) {
    for (int i = 0; i < call->owned_count; i++) dnnl_memory_destroy(call->owned[i]);
    syn_dnnl_thread_arena_trim();
}

// Runs `primitive` with `args` plus its scratchpad (if it needs one) placed in the call's scratch region.
static dnnl_status_t call_execute(conv_call *call, dnnl_primitive_t primitive, int count, const dnnl_exec_arg_t *args,
                                  const dnnl_memory_desc_t *scratch_md, size_t scratch_size) {
    dnnl_exec_arg_t all[6];
    for (int i = 0; i < count; i++) all[i] = args[i];
    if (scratch_size) {
        dnnl_memory_t sm;
        dnnl_status_t s = call_memory(call, scratch_md, call->scratch, &sm);
        if (s != dnnl_success) return s;
        all[count++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, sm};
    }
    return dnnl_primitive_execute(primitive, call->stream, count, all);
}

// Wraps a caller's plain buffer; `*out` is the memory the primitive should see. For an input with a
// reorder, runs it now; for an output with a reorder, the caller runs `operand_finish` afterwards.
static dnnl_status_t operand_bind(conv_call *call, conv_operand *op, const float *data, int is_input,
                                  dnnl_memory_t *plain_mem, dnnl_memory_t *out) {
    dnnl_status_t s = call_memory(call, &op->plain, (void *)data, plain_mem);
    if (s != dnnl_success) return s;
    if (!op->reorder) {
        *out = *plain_mem;
        return dnnl_success;
    }
    s = call_memory(call, &op->chosen, call->base + call->used, out);
    if (s != dnnl_success) return s;
    call->used += syn_round64(dnnl_memory_desc_get_size(&op->chosen));
    if (!is_input) return dnnl_success;
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, *plain_mem}, {DNNL_ARG_TO, *out}};
    return call_execute(call, op->reorder, 2, args, &op->scratch_md, op->scratch_size);
}

static dnnl_status_t operand_finish(conv_call *call, conv_operand *op, dnnl_memory_t chosen_mem, dnnl_memory_t plain_mem) {
    if (!op->reorder) return dnnl_success;
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, chosen_mem}, {DNNL_ARG_TO, plain_mem}};
    return call_execute(call, op->reorder, 2, args, &op->scratch_md, op->scratch_size);
}

// Records a primitive descriptor's scratchpad descriptor and size.
static void scratch_query(dnnl_primitive_desc_t pd, dnnl_memory_desc_t *md, size_t *size) {
    *size = syn_dnnl_scratchpad_size(pd);
    if (*size) *md = *dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
}

static const dnnl_memory_desc_t *query(dnnl_primitive_desc_t pd, dnnl_query_t what) {
    return dnnl_primitive_desc_query_md(pd, what, 0);
}

static dnnl_status_t conv_backward_init(syn_conv *cv);

void *syn_dnnl_conv_create(syn_conv_shape sh, int *status) {
    syn_conv *cv = calloc(1, sizeof(syn_conv));
    if (!cv) {
        if (status) *status = (int)dnnl_out_of_memory;
        return NULL;
    }
    cv->shape = sh;
    int64_t g = sh.groups;
    dnnl_dims_t src_dims = {sh.n, sh.c, sh.h, sh.w}, dst_dims = {sh.n, sh.o, sh.oh, sh.ow}, bias_dims = {sh.o};
    dnnl_status_t s = dnnl_memory_desc_init_by_tag(&cv->src_md, 4, src_dims, dnnl_f32, dnnl_nchw);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_tag(&cv->dst_md, 4, dst_dims, dnnl_f32, dnnl_nchw);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_tag(&cv->bias_md, 1, bias_dims, dnnl_f32, dnnl_x);
    if (s == dnnl_success) {
        if (g == 1) {
            dnnl_dims_t wd = {sh.o, sh.c, sh.kh, sh.kw};
            s = dnnl_memory_desc_init_by_tag(&cv->wei_md, 4, wd, dnnl_f32, dnnl_oihw);
        } else {
            dnnl_dims_t wd = {g, sh.o / g, sh.c / g, sh.kh, sh.kw};
            s = dnnl_memory_desc_init_by_tag(&cv->wei_md, 5, wd, dnnl_f32, dnnl_goihw);
        }
    }
    cv->strides[0] = sh.sh; cv->strides[1] = sh.sw;
    cv->dilates[0] = sh.dh - 1; cv->dilates[1] = sh.dw - 1;  // oneDNN counts dilation from 0
    cv->pad_l[0] = sh.ph; cv->pad_l[1] = sh.pw;
    // High-side padding that makes oneDNN's size formula give exactly (oh, ow).
    cv->pad_r[0] = (sh.oh - 1) * sh.sh + (sh.kh - 1) * sh.dh + 1 - sh.h - sh.ph;
    cv->pad_r[1] = (sh.ow - 1) * sh.sw + (sh.kw - 1) * sh.dw + 1 - sh.w - sh.pw;
    if (cv->pad_r[0] < 0) cv->pad_r[0] = 0;
    if (cv->pad_r[1] < 0) cv->pad_r[1] = 0;
    dnnl_memory_desc_t any_src, any_wei, any_dst;
    dnnl_data_type_t in_type = sh.bf16 ? dnnl_bf16 : dnnl_f32;
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_tag(&any_src, 4, src_dims, in_type, dnnl_format_tag_any);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_tag(&any_dst, 4, dst_dims, dnnl_f32, dnnl_format_tag_any);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_tag(&any_wei, cv->wei_md.ndims, cv->wei_md.dims, in_type, dnnl_format_tag_any);
    dnnl_convolution_desc_t desc;
    dnnl_primitive_attr_t attr = NULL;
    if (s == dnnl_success) s = syn_dnnl_user_scratchpad_attr(&attr);
    if (s == dnnl_success)
        s = dnnl_dilated_convolution_forward_desc_init(&desc, dnnl_forward_training, dnnl_convolution_direct, &any_src, &any_wei,
                                                       sh.with_bias ? &cv->bias_md : NULL, &any_dst, cv->strides, cv->dilates,
                                                       cv->pad_l, cv->pad_r);
    if (s == dnnl_success) s = dnnl_primitive_desc_create(&cv->fwd_pd, &desc, attr, conv_engine, NULL);
    if (attr) dnnl_primitive_attr_destroy(attr);
    if (s == dnnl_success) s = dnnl_primitive_create(&cv->fwd, cv->fwd_pd);
    if (s == dnnl_success) scratch_query(cv->fwd_pd, &cv->fwd_scratch_md, &cv->fwd_scratch);
    if (s == dnnl_success) s = operand_init(&cv->f_src, &cv->src_md, query(cv->fwd_pd, dnnl_query_src_md), 1);
    if (s == dnnl_success) s = operand_init(&cv->f_wei, &cv->wei_md, query(cv->fwd_pd, dnnl_query_weights_md), 1);
    if (s == dnnl_success) s = operand_init(&cv->f_dst, &cv->dst_md, query(cv->fwd_pd, dnnl_query_dst_md), 0);
    // Backward primitives now too, so an unsupported shape is known before the forward pass commits
    // to this path (creation is a one-off per shape).
    if (s == dnnl_success) s = conv_backward_init(cv);
    // Only oneDNN's direct kernels are worth the reorders; where it falls back to its own im2col + GEMM
    // ("gemm:jit", e.g. dilated shapes), the caller's lowering is as fast. That path's weight-gradient
    // primitive also crashed (null scratchpad write) when tests ran many convolutions concurrently.
    // For bf16, oneDNN's reference kernels are far slower than f32 kernels on rounded operands
    // (what the caller does instead), so only JIT kernels count.
    for (int which = 0; which < 3 && s == dnnl_success; which++) {
        const char *impl = syn_dnnl_conv_impl(cv, which);
        if (strstr(impl, "gemm") || (sh.bf16 && strstr(impl, "ref"))) s = dnnl_unimplemented;
    }
    if (status) *status = (int)s;
    if (s != dnnl_success) {
        syn_dnnl_conv_destroy(cv);
        return NULL;
    }
    return cv;
}

// Creates the backward-data and backward-weights primitives (hinted by the forward one, so they
// agree on layouts where they can).
static dnnl_status_t conv_backward_init(syn_conv *cv) {
    syn_conv_shape sh = cv->shape;
    dnnl_memory_desc_t any_src, any_wei, any_dst;
    dnnl_dims_t src_dims = {sh.n, sh.c, sh.h, sh.w}, dst_dims = {sh.n, sh.o, sh.oh, sh.ow};
    // bf16: the output gradient and the forward operands are bf16; what is computed (input and
    // weight gradients) is f32. Backward data and backward weights each get their own descriptors.
    dnnl_data_type_t in_type = sh.bf16 ? dnnl_bf16 : dnnl_f32;
    dnnl_memory_desc_t any_dsrc, any_dwei;
    dnnl_status_t s = dnnl_memory_desc_init_by_tag(&any_src, 4, src_dims, in_type, dnnl_format_tag_any);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_tag(&any_dst, 4, dst_dims, in_type, dnnl_format_tag_any);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_tag(&any_wei, cv->wei_md.ndims, cv->wei_md.dims, in_type, dnnl_format_tag_any);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_tag(&any_dsrc, 4, src_dims, dnnl_f32, dnnl_format_tag_any);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_tag(&any_dwei, cv->wei_md.ndims, cv->wei_md.dims, dnnl_f32, dnnl_format_tag_any);
    dnnl_convolution_desc_t dd, wd;
    dnnl_primitive_attr_t attr = NULL;
    if (s == dnnl_success) s = syn_dnnl_user_scratchpad_attr(&attr);
    if (s == dnnl_success)
        s = dnnl_dilated_convolution_backward_data_desc_init(&dd, dnnl_convolution_direct, &any_dsrc, &any_wei, &any_dst,
                                                             cv->strides, cv->dilates, cv->pad_l, cv->pad_r);
    if (s == dnnl_success) s = dnnl_primitive_desc_create(&cv->bwd_data_pd, &dd, attr, conv_engine, cv->fwd_pd);
    if (s == dnnl_success) s = dnnl_primitive_create(&cv->bwd_data, cv->bwd_data_pd);
    if (s == dnnl_success) scratch_query(cv->bwd_data_pd, &cv->bwd_data_scratch_md, &cv->bwd_data_scratch);
    if (s == dnnl_success) s = operand_init(&cv->d_ddst, &cv->dst_md, query(cv->bwd_data_pd, dnnl_query_diff_dst_md), 1);
    if (s == dnnl_success) s = operand_init(&cv->d_wei, &cv->wei_md, query(cv->bwd_data_pd, dnnl_query_weights_md), 1);
    if (s == dnnl_success) s = operand_init(&cv->d_dsrc, &cv->src_md, query(cv->bwd_data_pd, dnnl_query_diff_src_md), 0);
    if (s == dnnl_success)
        s = dnnl_dilated_convolution_backward_weights_desc_init(&wd, dnnl_convolution_direct, &any_src, &any_dwei,
                                                                cv->shape.with_bias ? &cv->bias_md : NULL, &any_dst,
                                                                cv->strides, cv->dilates, cv->pad_l, cv->pad_r);
    if (s == dnnl_success) s = dnnl_primitive_desc_create(&cv->bwd_weights_pd, &wd, attr, conv_engine, cv->fwd_pd);
    if (attr) dnnl_primitive_attr_destroy(attr);
    if (s == dnnl_success) s = dnnl_primitive_create(&cv->bwd_weights, cv->bwd_weights_pd);
    if (s == dnnl_success) scratch_query(cv->bwd_weights_pd, &cv->bwd_weights_scratch_md, &cv->bwd_weights_scratch);
    if (s == dnnl_success) s = operand_init(&cv->w_src, &cv->src_md, query(cv->bwd_weights_pd, dnnl_query_src_md), 1);
    if (s == dnnl_success) s = operand_init(&cv->w_ddst, &cv->dst_md, query(cv->bwd_weights_pd, dnnl_query_diff_dst_md), 1);
    if (s == dnnl_success) s = operand_init(&cv->w_dwei, &cv->wei_md, query(cv->bwd_weights_pd, dnnl_query_diff_weights_md), 0);
    return s;
}

int syn_dnnl_conv_forward(void *handle, const float *x, const float *w, const float *bias, float *y) {
    syn_conv *cv = handle;
    conv_operand *ops[] = {&cv->f_src, &cv->f_wei, &cv->f_dst};
    conv_call call;
    dnnl_memory_t px = NULL, pw = NULL, py = NULL, pb = NULL, mx = NULL, mw = NULL, my = NULL;
    dnnl_status_t s = call_begin(&call, ops, 3, cv->fwd_scratch);
    if (s == dnnl_success) s = operand_bind(&call, &cv->f_src, x, 1, &px, &mx);
    if (s == dnnl_success) s = operand_bind(&call, &cv->f_wei, w, 1, &pw, &mw);
    if (s == dnnl_success) s = operand_bind(&call, &cv->f_dst, y, 0, &py, &my);
    if (s == dnnl_success && cv->shape.with_bias) s = call_memory(&call, &cv->bias_md, (void *)bias, &pb);
    if (s == dnnl_success) {
        dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, mx}, {DNNL_ARG_WEIGHTS, mw}, {DNNL_ARG_DST, my}, {DNNL_ARG_BIAS, pb}};
        s = call_execute(&call, cv->fwd, cv->shape.with_bias ? 4 : 3, args, &cv->fwd_scratch_md, cv->fwd_scratch);
    }
    if (s == dnnl_success) s = operand_finish(&call, &cv->f_dst, my, py);
    if (s == dnnl_success) s = dnnl_stream_wait(call.stream);
    call_end(&call);
    return (int)s;
}

int syn_dnnl_conv_backward(void *handle, const float *x, const float *w, const float *dy, float *dx, float *dw,
                           float *dbias) {
    syn_conv *cv = handle;
    conv_operand *ops[] = {&cv->d_ddst, &cv->d_wei, &cv->d_dsrc, &cv->w_src, &cv->w_ddst, &cv->w_dwei};
    size_t scratch = cv->bwd_data_scratch > cv->bwd_weights_scratch ? cv->bwd_data_scratch : cv->bwd_weights_scratch;
    conv_call call;
    dnnl_status_t s = call_begin(&call, ops, 6, scratch);
    dnnl_memory_t pdy = NULL, mdy = NULL, pw = NULL, mw = NULL, pdx = NULL, mdx = NULL;
    dnnl_memory_t px = NULL, mx = NULL, pdw = NULL, mdw = NULL, pdb = NULL, pdy2 = NULL, mdy2 = NULL;
    if (s == dnnl_success && dx) {
        s = operand_bind(&call, &cv->d_ddst, dy, 1, &pdy, &mdy);
        if (s == dnnl_success) s = operand_bind(&call, &cv->d_wei, w, 1, &pw, &mw);
        if (s == dnnl_success) s = operand_bind(&call, &cv->d_dsrc, dx, 0, &pdx, &mdx);
        if (s == dnnl_success) {
            dnnl_exec_arg_t args[3] = {{DNNL_ARG_DIFF_DST, mdy}, {DNNL_ARG_WEIGHTS, mw}, {DNNL_ARG_DIFF_SRC, mdx}};
            s = call_execute(&call, cv->bwd_data, 3, args, &cv->bwd_data_scratch_md, cv->bwd_data_scratch);
        }
        if (s == dnnl_success) s = operand_finish(&call, &cv->d_dsrc, mdx, pdx);
    }
    float *unwanted = NULL;
    if (s == dnnl_success && (dw || dbias)) {
        // Reuse backward-data's reordered dy when both passes want the same layout.
        if (dx && dnnl_memory_desc_equal(&cv->d_ddst.chosen, &cv->w_ddst.chosen)) {
            mdy2 = mdy;
        } else {
            s = operand_bind(&call, &cv->w_ddst, dy, 1, &pdy2, &mdy2);
        }
        if (s == dnnl_success) s = operand_bind(&call, &cv->w_src, x, 1, &px, &mx);
        // The primitive always produces both; write the unwanted one to a throw-away buffer.
        if (s == dnnl_success && (!dw || (cv->shape.with_bias && !dbias))) {
            unwanted = malloc(dnnl_memory_desc_get_size(&cv->wei_md) + dnnl_memory_desc_get_size(&cv->bias_md));
            if (!unwanted) s = dnnl_out_of_memory;
        }
        if (s == dnnl_success) s = operand_bind(&call, &cv->w_dwei, dw ? dw : unwanted, 0, &pdw, &mdw);
        if (s == dnnl_success && cv->shape.with_bias) s = call_memory(&call, &cv->bias_md, dbias ? dbias : unwanted, &pdb);
        if (s == dnnl_success) {
            dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, mx}, {DNNL_ARG_DIFF_DST, mdy2}, {DNNL_ARG_DIFF_WEIGHTS, mdw},
                                       {DNNL_ARG_DIFF_BIAS, pdb}};
            s = call_execute(&call, cv->bwd_weights, cv->shape.with_bias ? 4 : 3, args, &cv->bwd_weights_scratch_md,
                             cv->bwd_weights_scratch);
        }
        if (s == dnnl_success) s = operand_finish(&call, &cv->w_dwei, mdw, pdw);
    }
    if (s == dnnl_success) s = dnnl_stream_wait(call.stream);
    free(unwanted);
    call_end(&call);
    return (int)s;
}

const char *syn_dnnl_conv_impl(void *handle, int which) {
    syn_conv *cv = handle;
    dnnl_primitive_desc_t pd = which == 0 ? cv->fwd_pd : which == 1 ? cv->bwd_data_pd : cv->bwd_weights_pd;
    const char *name = NULL;
    if (pd) dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name);
    return name ? name : "unknown";
}

void syn_dnnl_conv_destroy(void *handle) {
    syn_conv *cv = handle;
    if (!cv) return;
    conv_operand *ops[] = {&cv->f_src, &cv->f_wei, &cv->f_dst, &cv->d_ddst, &cv->d_wei, &cv->d_dsrc,
                           &cv->w_src, &cv->w_ddst, &cv->w_dwei};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) operand_destroy(ops[i]);
    dnnl_primitive_t prims[] = {cv->fwd, cv->bwd_data, cv->bwd_weights};
    for (size_t i = 0; i < 3; i++)
        if (prims[i]) dnnl_primitive_destroy(prims[i]);
    dnnl_primitive_desc_t pds[] = {cv->fwd_pd, cv->bwd_data_pd, cv->bwd_weights_pd};
    for (size_t i = 0; i < 3; i++)
        if (pds[i]) dnnl_primitive_desc_destroy(pds[i]);
    free(cv);
}
