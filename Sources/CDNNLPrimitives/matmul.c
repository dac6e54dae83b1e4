// oneDNN matmul primitives (2.x C API). Primitives use user-managed scratchpads placed in the calling
// thread's arena, and run on the calling thread's stream (dnnl_context.h), so any number of threads
// may execute the same primitive at once: concurrent inference does not queue.
#include "CDNNLPrimitives.h"
#include "dnnl_context.h"
#include <stdatomic.h>
#include <stdlib.h>

#define syn_engine syn_dnnl_engine()

static dnnl_data_type_t syn_dnnl_dt(syn_dt dt) {
    switch (dt) {
    case SYN_DT_BF16: return dnnl_bf16;
    case SYN_DT_U8: return dnnl_u8;
    case SYN_DT_S8: return dnnl_s8;
    default: return dnnl_f32;
    }
}

typedef struct {
    dnnl_primitive_t primitive;
    dnnl_primitive_desc_t pd;
    dnnl_memory_desc_t a_md, b_md, bias_md, c_md;
    int with_bias;
    // int8 primitives: per-column output scales and (optionally) the source zero point, given at
    // execution time (dynamic quantization changes them every batch).
    int quantized, with_zero_point;
    dnnl_memory_desc_t scales_md, zero_point_md;
    // Memory objects are created per call, not reused: rebinding a handle makes oneDNN zero the
    // padding of blocked layouts, i.e. rewrite packed weights on every call.
    dnnl_memory_desc_t scratch_md;
    size_t scratch_size;
    _Atomic int in_flight, max_in_flight;  // executions running now / most seen at once (tests)
} syn_matmul;

static void *syn_matmul_create(int64_t m, int64_t n, int64_t k, syn_operand a, syn_operand b, int packed_b,
                               int with_bias, int relu, int64_t ldc, int with_zero_point, int *status) {
    syn_matmul *mm = calloc(1, sizeof(syn_matmul));
    if (!mm) {
        if (status) *status = (int)dnnl_out_of_memory;
        return NULL;
    }
    dnnl_dims_t a_dims = {m, k}, a_strides = {a.row_stride, a.col_stride};
    dnnl_dims_t b_dims = {k, n}, b_strides = {b.row_stride, b.col_stride};
    dnnl_dims_t c_dims = {m, n}, c_strides = {ldc, 1};
    dnnl_dims_t bias_dims = {1, n}, bias_strides = {n, 1};
    dnnl_status_t s = dnnl_memory_desc_init_by_strides(&mm->a_md, 2, a_dims, syn_dnnl_dt(a.dtype), a_strides);
    if (s == dnnl_success) {
        s = packed_b ? dnnl_memory_desc_init_by_tag(&mm->b_md, 2, b_dims, syn_dnnl_dt(b.dtype), dnnl_format_tag_any)
                     : dnnl_memory_desc_init_by_strides(&mm->b_md, 2, b_dims, syn_dnnl_dt(b.dtype), b_strides);
    }
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_strides(&mm->c_md, 2, c_dims, dnnl_f32, c_strides);
    if (s == dnnl_success && with_bias) s = dnnl_memory_desc_init_by_strides(&mm->bias_md, 2, bias_dims, dnnl_f32, bias_strides);
    dnnl_matmul_desc_t desc;
    if (s == dnnl_success) s = dnnl_matmul_desc_init(&desc, &mm->a_md, &mm->b_md, with_bias ? &mm->bias_md : NULL, &mm->c_md);
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t ops = NULL;
    if (s == dnnl_success) s = syn_dnnl_user_scratchpad_attr(&attr);
    int quantized = a.dtype == SYN_DT_U8;
    if (s == dnnl_success && quantized) {
        // Runtime values: one scale per output column (mask bit 1 = dimension N), one zero point.
        const float runtime_scale = DNNL_RUNTIME_F32_VAL;
        const int32_t runtime_zero_point = DNNL_RUNTIME_S32_VAL;
        dnnl_dims_t scales_dims = {n}, one = {1};
        s = dnnl_primitive_attr_set_output_scales(attr, 1, 1 << 1, &runtime_scale);
        if (s == dnnl_success) s = dnnl_memory_desc_init_by_tag(&mm->scales_md, 1, scales_dims, dnnl_f32, dnnl_a);
        if (s == dnnl_success && with_zero_point) s = dnnl_primitive_attr_set_zero_points(attr, DNNL_ARG_SRC, 1, 0, &runtime_zero_point);
        if (s == dnnl_success && with_zero_point) s = dnnl_memory_desc_init_by_tag(&mm->zero_point_md, 1, one, dnnl_s32, dnnl_a);
    }
    if (s == dnnl_success && relu) {
        s = dnnl_post_ops_create(&ops);
        if (s == dnnl_success) s = dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f);
        if (s == dnnl_success) s = dnnl_primitive_attr_set_post_ops(attr, ops);
    }
    if (s == dnnl_success) s = dnnl_primitive_desc_create(&mm->pd, &desc, attr, syn_engine, NULL);
    if (s == dnnl_success && packed_b) mm->b_md = *dnnl_primitive_desc_query_md(mm->pd, dnnl_query_weights_md, 0);
    if (s == dnnl_success) s = dnnl_primitive_create(&mm->primitive, mm->pd);
    if (ops) dnnl_post_ops_destroy(ops);
    if (attr) dnnl_primitive_attr_destroy(attr);
    if (status) *status = (int)s;
    if (s != dnnl_success) {
        if (mm->pd) dnnl_primitive_desc_destroy(mm->pd);
        free(mm);
        return NULL;
    }
    mm->with_bias = with_bias;
    mm->quantized = quantized;
    mm->with_zero_point = quantized && with_zero_point;
    mm->scratch_size = syn_dnnl_scratchpad_size(mm->pd);
    if (mm->scratch_size) mm->scratch_md = *dnnl_primitive_desc_query_md(mm->pd, dnnl_query_scratchpad_md, 0);
    return mm;
}

void *syn_dnnl_matmul_create(int64_t m, int64_t n, int64_t k, syn_operand a, syn_operand b,
                             int with_bias, int relu, int64_t ldc, int *status) {
    return syn_matmul_create(m, n, k, a, b, 0, with_bias, relu, ldc, 0, status);
}

void *syn_dnnl_matmul_create_packed(int64_t m, int64_t n, int64_t k, syn_operand a, syn_dt b_type,
                                    int with_bias, int relu, int64_t ldc, int *status) {
    syn_operand b = {b_type, n, 1};
    return syn_matmul_create(m, n, k, a, b, 1, with_bias, relu, ldc, 0, status);
}

void *syn_dnnl_qmatmul_create(int64_t m, int64_t n, int64_t k, int with_zero_point, int *status) {
    // W [n, k] row-major is B [k, n] with strides (1, k): oneDNN's "ba", measured faster here than
    // its preferred packed layout for the AVX2 int8 GEMM and needing no copy.
    syn_operand a = {SYN_DT_U8, k, 1}, b = {SYN_DT_S8, 1, k};
    return syn_matmul_create(m, n, k, a, b, 0, 0, 0, n, with_zero_point, status);
}

size_t syn_dnnl_matmul_packed_b_size(void *primitive) {
    syn_matmul *mm = primitive;
    return dnnl_memory_desc_get_size(&mm->b_md);
}

int syn_dnnl_matmul_pack_b(void *primitive, const float *b, int64_t row_stride, int64_t col_stride, void *packed) {
    syn_matmul *mm = primitive;
    dnnl_memory_desc_t plain_md;
    dnnl_dims_t strides = {row_stride, col_stride};
    dnnl_status_t s = dnnl_memory_desc_init_by_strides(&plain_md, 2, mm->b_md.dims, dnnl_f32, strides);
    dnnl_primitive_desc_t rpd = NULL;
    dnnl_primitive_t reorder = NULL;
    dnnl_memory_t src = NULL, dst = NULL;
    dnnl_stream_t stream = NULL;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_memory_t sm = NULL;
    if (s == dnnl_success) s = syn_dnnl_user_scratchpad_attr(&attr);
    if (s == dnnl_success) s = dnnl_reorder_primitive_desc_create(&rpd, &plain_md, syn_engine, &mm->b_md, syn_engine, attr);
    if (attr) dnnl_primitive_attr_destroy(attr);
    if (s == dnnl_success) s = dnnl_primitive_create(&reorder, rpd);
    size_t scratch = s == dnnl_success ? syn_dnnl_scratchpad_size(rpd) : 0;
    if (s == dnnl_success && scratch) {
        char *arena = syn_dnnl_thread_arena(scratch);
        s = arena ? dnnl_memory_create(&sm, dnnl_primitive_desc_query_md(rpd, dnnl_query_scratchpad_md, 0), syn_engine, arena)
                  : dnnl_out_of_memory;
    }
    if (s == dnnl_success) s = dnnl_memory_create(&src, &plain_md, syn_engine, (void *)b);
    if (s == dnnl_success) s = dnnl_memory_create(&dst, &mm->b_md, syn_engine, packed);
    if (s == dnnl_success) stream = syn_dnnl_thread_stream(&s);
    if (s == dnnl_success) {
        dnnl_exec_arg_t args[3] = {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}, {DNNL_ARG_SCRATCHPAD, sm}};
        s = dnnl_primitive_execute(reorder, stream, sm ? 3 : 2, args);
        if (s == dnnl_success) s = dnnl_stream_wait(stream);
    }
    if (sm) dnnl_memory_destroy(sm);
    if (src) dnnl_memory_destroy(src);
    if (dst) dnnl_memory_destroy(dst);
    if (reorder) dnnl_primitive_destroy(reorder);
    if (rpd) dnnl_primitive_desc_destroy(rpd);
    return (int)s;
}

static int syn_matmul_execute(syn_matmul *mm, const void *a, const void *b, const float *bias, float *c,
                              const float *scales, const int32_t *zero_point) {
    int now = atomic_fetch_add(&mm->in_flight, 1) + 1;
    int seen = atomic_load(&mm->max_in_flight);
    while (now > seen && !atomic_compare_exchange_weak(&mm->max_in_flight, &seen, now)) {}
    dnnl_memory_t am = NULL, bm = NULL, biasm = NULL, cm = NULL, sm = NULL, scalesm = NULL, zpm = NULL;
    dnnl_status_t s = dnnl_success;
    dnnl_stream_t stream = syn_dnnl_thread_stream(&s);
    if (s == dnnl_success) s = dnnl_memory_create(&am, &mm->a_md, syn_engine, (void *)a);
    if (s == dnnl_success) s = dnnl_memory_create(&bm, &mm->b_md, syn_engine, (void *)b);
    if (s == dnnl_success) s = dnnl_memory_create(&cm, &mm->c_md, syn_engine, c);
    if (s == dnnl_success && mm->with_bias) s = dnnl_memory_create(&biasm, &mm->bias_md, syn_engine, (void *)bias);
    if (s == dnnl_success && mm->quantized) s = dnnl_memory_create(&scalesm, &mm->scales_md, syn_engine, (void *)scales);
    if (s == dnnl_success && mm->with_zero_point) s = dnnl_memory_create(&zpm, &mm->zero_point_md, syn_engine, (void *)zero_point);
    if (s == dnnl_success && mm->scratch_size) {
        char *arena = syn_dnnl_thread_arena(mm->scratch_size);
        s = arena ? dnnl_memory_create(&sm, &mm->scratch_md, syn_engine, arena) : dnnl_out_of_memory;
    }
    if (s == dnnl_success) {
        dnnl_exec_arg_t args[7] = {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}};
        int count = 3;
        if (biasm) args[count++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, biasm};
        if (sm) args[count++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, sm};
        if (scalesm) args[count++] = (dnnl_exec_arg_t){DNNL_ARG_ATTR_OUTPUT_SCALES, scalesm};
        if (zpm) args[count++] = (dnnl_exec_arg_t){DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC, zpm};
        s = dnnl_primitive_execute(mm->primitive, stream, count, args);
        if (s == dnnl_success) s = dnnl_stream_wait(stream);
    }
    if (am) dnnl_memory_destroy(am);
    if (bm) dnnl_memory_destroy(bm);
    if (cm) dnnl_memory_destroy(cm);
    if (biasm) dnnl_memory_destroy(biasm);
    if (sm) dnnl_memory_destroy(sm);
    if (scalesm) dnnl_memory_destroy(scalesm);
    if (zpm) dnnl_memory_destroy(zpm);
    atomic_fetch_sub(&mm->in_flight, 1);
    return (int)s;
}

int syn_dnnl_matmul_execute(void *primitive, const void *a, const void *b, const float *bias, float *c) {
    syn_matmul *mm = primitive;
    if (mm->quantized) return (int)dnnl_invalid_arguments;  // needs scales: syn_dnnl_qmatmul_execute
    return syn_matmul_execute(mm, a, b, bias, c, NULL, NULL);
}

int syn_dnnl_qmatmul_execute(void *primitive, const uint8_t *a, const int8_t *w, const float *scales,
                             int32_t zero_point, float *c) {
    syn_matmul *mm = primitive;
    if (!mm->quantized || !scales) return (int)dnnl_invalid_arguments;
    return syn_matmul_execute(mm, a, w, NULL, c, scales, &zero_point);
}

int syn_dnnl_matmul_max_concurrency(void *primitive) {
    syn_matmul *mm = primitive;
    return atomic_load(&mm->max_in_flight);
}

const char *syn_dnnl_primitive_impl(void *primitive) {
    syn_matmul *mm = primitive;
    const char *name = NULL;
    dnnl_primitive_desc_query(mm->pd, dnnl_query_impl_info_str, 0, &name);
    return name ? name : "unknown";
}

void syn_dnnl_primitive_destroy(void *primitive) {
    syn_matmul *mm = primitive;
    if (!mm) return;
    dnnl_primitive_destroy(mm->primitive);
    dnnl_primitive_desc_destroy(mm->pd);
    free(mm);
}
