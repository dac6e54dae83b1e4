// One engine, and per thread a stream and a scratch arena (see dnnl_context.h).
#include "dnnl_context.h"
#include <pthread.h>
#include <stdlib.h>

static dnnl_engine_t engine;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static void engine_init(void) { dnnl_engine_create(&engine, dnnl_cpu, 0); }

dnnl_engine_t syn_dnnl_engine(void) {
    pthread_once(&engine_once, engine_init);
    return engine;
}

// Per-thread state, freed by the key's destructor when the thread exits.
typedef struct {
    dnnl_stream_t stream;
    char *arena;
    size_t arena_size;
} thread_state;

enum { ARENA_KEEP = 64 << 20 };

static pthread_key_t state_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void state_free(void *p) {
    thread_state *t = p;
    if (t->stream) dnnl_stream_destroy(t->stream);
    free(t->arena);
    free(t);
}

static void key_init(void) { pthread_key_create(&state_key, state_free); }

static thread_state *state(void) {
    pthread_once(&key_once, key_init);
    thread_state *t = pthread_getspecific(state_key);
    if (!t) {
        t = calloc(1, sizeof(thread_state));
        if (t) pthread_setspecific(state_key, t);
    }
    return t;
}

dnnl_stream_t syn_dnnl_thread_stream(dnnl_status_t *status) {
    thread_state *t = state();
    if (!t) { *status = dnnl_out_of_memory; return NULL; }
    if (!t->stream) {
        *status = dnnl_stream_create(&t->stream, syn_dnnl_engine(), dnnl_stream_default_flags);
        if (*status != dnnl_success) { t->stream = NULL; return NULL; }
    }
    *status = dnnl_success;
    return t->stream;
}

char *syn_dnnl_thread_arena(size_t bytes) {
    thread_state *t = state();
    if (!t) return NULL;
    if (bytes > t->arena_size) {
        free(t->arena);
        t->arena = aligned_alloc(64, syn_round64(bytes));
        t->arena_size = t->arena ? syn_round64(bytes) : 0;
    }
    return t->arena;
}

void syn_dnnl_thread_arena_trim(void) {
    thread_state *t = state();
    if (t && t->arena_size > ARENA_KEEP) {
        free(t->arena);
        t->arena = NULL;
        t->arena_size = 0;
    }
}

dnnl_status_t syn_dnnl_user_scratchpad_attr(dnnl_primitive_attr_t *attr) {
    dnnl_status_t s = dnnl_primitive_attr_create(attr);
    if (s == dnnl_success) s = dnnl_primitive_attr_set_scratchpad_mode(*attr, dnnl_scratchpad_mode_user);
    return s;
}

size_t syn_dnnl_scratchpad_size(const_dnnl_primitive_desc_t pd) {
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    return md ? dnnl_memory_desc_get_size(md) : 0;
}
