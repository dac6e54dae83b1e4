// int8 convolution for statically quantized layers (oneDNN 2.x C API). Everything fixed by the
// layer — int8 weights, per-channel output scales, the input zero point — is given at creation:
// oneDNN 2.6's int8 convolutions take output scales only at creation (runtime scales are
// unimplemented for them), and the weights are reordered once into the layout the kernel wants and
// kept in the handle. Activations cross in NHWC, the layout the int8 kernels read and write
// (u8 in, f32 out); scratchpads live in the calling thread's arena, so handles run concurrently.
#include "CDNNLConvolution.h"
#include "dnnl_context.h"
#include <stdlib.h>
#include <string.h>

typedef struct {
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t primitive;
    dnnl_memory_desc_t src_md, wei_md, dst_md, scratch_md;
    size_t scratch_size;
    void *weights;  // s8 in the primitive's layout
} syn_qconv;

void syn_dnnl_qconv_destroy(void *handle) {
    syn_qconv *q = handle;
    if (!q) return;
    if (q->primitive) dnnl_primitive_destroy(q->primitive);
    if (q->pd) dnnl_primitive_desc_destroy(q->pd);
    free(q->weights);
    free(q);
}

// Reorders plain s8 OIHW weights into `q->wei_md` (allocated in q->weights).
static dnnl_status_t qconv_pack_weights(syn_qconv *q, const dnnl_memory_desc_t *plain, const int8_t *weights) {
    dnnl_engine_t engine = syn_dnnl_engine();
    size_t bytes = dnnl_memory_desc_get_size(&q->wei_md);
    q->weights = malloc(bytes ? bytes : 1);
    if (!q->weights) return dnnl_out_of_memory;
    dnnl_primitive_desc_t rpd = NULL;
    dnnl_primitive_t reorder = NULL;
    dnnl_memory_t from = NULL, to = NULL;
    dnnl_status_t s = dnnl_reorder_primitive_desc_create(&rpd, plain, engine, &q->wei_md, engine, NULL);
    if (s == dnnl_success) s = dnnl_primitive_create(&reorder, rpd);
    if (s == dnnl_success) s = dnnl_memory_create(&from, plain, engine, (void *)weights);
    if (s == dnnl_success) s = dnnl_memory_create(&to, &q->wei_md, engine, q->weights);
    dnnl_stream_t stream = s == dnnl_success ? syn_dnnl_thread_stream(&s) : NULL;
    if (s == dnnl_success) {
        dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
        s = dnnl_primitive_execute(reorder, stream, 2, args);
        if (s == dnnl_success) s = dnnl_stream_wait(stream);
    }
    if (from) dnnl_memory_destroy(from);
    if (to) dnnl_memory_destroy(to);
    if (reorder) dnnl_primitive_destroy(reorder);
    if (rpd) dnnl_primitive_desc_destroy(rpd);
    return s;
}

void *syn_dnnl_qconv_create(syn_conv_shape sh, const int8_t *weights, const float *scales, int32_t zero_point, int *status) {
    syn_qconv *q = calloc(1, sizeof(syn_qconv));
    if (!q) {
        if (status) *status = (int)dnnl_out_of_memory;
        return NULL;
    }
    dnnl_status_t s = sh.groups == 1 ? dnnl_success : dnnl_unimplemented;
    dnnl_dims_t src_dims = {sh.n, sh.c, sh.h, sh.w}, dst_dims = {sh.n, sh.o, sh.oh, sh.ow}, wei_dims = {sh.o, sh.c, sh.kh, sh.kw};
    dnnl_memory_desc_t plain_wei, any_wei;
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_tag(&q->src_md, 4, src_dims, dnnl_u8, dnnl_nhwc);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_tag(&q->dst_md, 4, dst_dims, dnnl_f32, dnnl_nhwc);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_tag(&plain_wei, 4, wei_dims, dnnl_s8, dnnl_oihw);
    if (s == dnnl_success) s = dnnl_memory_desc_init_by_tag(&any_wei, 4, wei_dims, dnnl_s8, dnnl_format_tag_any);
    dnnl_dims_t strides = {sh.sh, sh.sw}, dilates = {sh.dh - 1, sh.dw - 1}, pad_l = {sh.ph, sh.pw};
    // High-side padding that makes oneDNN's size formula give exactly (oh, ow), as for f32.
    dnnl_dims_t pad_r = {(sh.oh - 1) * sh.sh + (sh.kh - 1) * sh.dh + 1 - sh.h - sh.ph,
                         (sh.ow - 1) * sh.sw + (sh.kw - 1) * sh.dw + 1 - sh.w - sh.pw};
    if (pad_r[0] < 0) pad_r[0] = 0;
    if (pad_r[1] < 0) pad_r[1] = 0;
    dnnl_convolution_desc_t desc;
    dnnl_primitive_attr_t attr = NULL;
    if (s == dnnl_success)
        s = dnnl_dilated_convolution_forward_desc_init(&desc, dnnl_forward_inference, dnnl_convolution_direct, &q->src_md, &any_wei,
                                                       NULL, &q->dst_md, strides, dilates, pad_l, pad_r);
    if (s == dnnl_success) s = syn_dnnl_user_scratchpad_attr(&attr);
    if (s == dnnl_success) s = dnnl_primitive_attr_set_output_scales(attr, sh.o, 1 << 1, scales);
    if (s == dnnl_success && zero_point != 0) s = dnnl_primitive_attr_set_zero_points(attr, DNNL_ARG_SRC, 1, 0, &zero_point);
    if (s == dnnl_success) s = dnnl_primitive_desc_create(&q->pd, &desc, attr, syn_dnnl_engine(), NULL);
    if (attr) dnnl_primitive_attr_destroy(attr);
    if (s == dnnl_success) s = dnnl_primitive_create(&q->primitive, q->pd);
    if (s == dnnl_success) {
        q->wei_md = *dnnl_primitive_desc_query_md(q->pd, dnnl_query_weights_md, 0);
        q->scratch_size = syn_dnnl_scratchpad_size(q->pd);
        if (q->scratch_size) q->scratch_md = *dnnl_primitive_desc_query_md(q->pd, dnnl_query_scratchpad_md, 0);
        s = qconv_pack_weights(q, &plain_wei, weights);
    }
    if (status) *status = (int)s;
    if (s != dnnl_success) {
        syn_dnnl_qconv_destroy(q);
        return NULL;
    }
    return q;
}

int syn_dnnl_qconv_forward(void *handle, const uint8_t *x, float *y) {
    syn_qconv *q = handle;
    dnnl_engine_t engine = syn_dnnl_engine();
    dnnl_memory_t xm = NULL, wm = NULL, ym = NULL, sm = NULL;
    dnnl_status_t s = dnnl_success;
    dnnl_stream_t stream = syn_dnnl_thread_stream(&s);
    if (s == dnnl_success) s = dnnl_memory_create(&xm, &q->src_md, engine, (void *)x);
    if (s == dnnl_success) s = dnnl_memory_create(&wm, &q->wei_md, engine, q->weights);
    if (s == dnnl_success) s = dnnl_memory_create(&ym, &q->dst_md, engine, y);
    if (s == dnnl_success && q->scratch_size) {
        char *arena = syn_dnnl_thread_arena(q->scratch_size);
        s = arena ? dnnl_memory_create(&sm, &q->scratch_md, engine, arena) : dnnl_out_of_memory;
    }
    if (s == dnnl_success) {
        dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, xm}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, ym}, {DNNL_ARG_SCRATCHPAD, sm}};
        s = dnnl_primitive_execute(q->primitive, stream, sm ? 4 : 3, args);
        if (s == dnnl_success) s = dnnl_stream_wait(stream);
    }
    if (xm) dnnl_memory_destroy(xm);
    if (wm) dnnl_memory_destroy(wm);
    if (ym) dnnl_memory_destroy(ym);
    if (sm) dnnl_memory_destroy(sm);
    return (int)s;
}

const char *syn_dnnl_qconv_impl(void *handle) {
    syn_qconv *q = handle;
    const char *name = NULL;
    dnnl_primitive_desc_query(q->pd, dnnl_query_impl_info_str, 0, &name);
    return name ? name : "unknown";
}
