// Internal: what every oneDNN call of this target shares — one CPU engine for the process, and per
// calling thread a stream and a scratch arena. Primitives are created with user-managed scratchpads
// (Debian's oneDNN 2.6 lacks DNNL_ENABLE_CONCURRENT_EXEC: a library-managed scratchpad is shared by
// every execution of a primitive, and concurrent runs corrupted each other). With the scratchpad and
// the blocked intermediate buffers in the calling thread's arena, executions of one primitive from
// many threads at once are safe and need no lock.
#ifndef SYNAPSE_DNNL_CONTEXT_H
#define SYNAPSE_DNNL_CONTEXT_H
#include <oneapi/dnnl/dnnl.h>
#include <stddef.h>

/// The process's CPU engine (created on first use).
dnnl_engine_t syn_dnnl_engine(void);
/// The calling thread's stream on that engine (created on first use, destroyed at thread exit).
dnnl_stream_t syn_dnnl_thread_stream(dnnl_status_t *status);
/// The calling thread's arena, grown to at least `bytes` (64-byte aligned; contents not kept).
/// NULL when out of memory (or when `bytes` is 0 and nothing was allocated yet).
char *syn_dnnl_thread_arena(size_t bytes);
/// Releases the calling thread's arena if it is larger than the size worth keeping between calls
/// (a large evaluation batch must not pin hundreds of MB per thread).
void syn_dnnl_thread_arena_trim(void);
/// A primitive attribute asking for a user-managed scratchpad (destroy with dnnl_primitive_attr_destroy).
dnnl_status_t syn_dnnl_user_scratchpad_attr(dnnl_primitive_attr_t *attr);
/// Bytes of scratchpad a primitive descriptor created with that attribute needs.
size_t syn_dnnl_scratchpad_size(const_dnnl_primitive_desc_t pd);
/// Rounds up to a multiple of 64 (arena placement).
static inline size_t syn_round64(size_t n) { return (n + 63) / 64 * 64; }
#endif
