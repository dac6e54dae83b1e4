// The parallel-region runtime: our kernels run on GNU OpenMP's thread team (loaded with Debian's
// oneDNN), so oneDNN's GEMMs and our kernels share one set of threads and never run at once.
#include "CKernels.h"
#include <dlfcn.h>
#include <stddef.h>

// libgomp entry points, looked up once (oneDNN's Debian build loads libgomp; we do not link it).
static void (*syn_gomp_parallel)(void (*)(void *), void *, unsigned, unsigned);
static int (*syn_omp_get_thread_num)(void);
static int syn_gomp_state = -1;

int syn_parallel_available(void) {
    if (syn_gomp_state < 0) {
        syn_gomp_parallel = (void (*)(void (*)(void *), void *, unsigned, unsigned))dlsym(RTLD_DEFAULT, "GOMP_parallel");
        syn_omp_get_thread_num = (int (*)(void))dlsym(RTLD_DEFAULT, "omp_get_thread_num");
        syn_gomp_state = syn_gomp_parallel != NULL && syn_omp_get_thread_num != NULL;
    }
    return syn_gomp_state;
}

struct syn_task { syn_task_fn fn; void *context; };

static void syn_task_trampoline(void *data) {
    struct syn_task *task = (struct syn_task *)data;
    task->fn(task->context, syn_omp_get_thread_num());
}

void syn_parallel_run(syn_task_fn fn, void *context, int threads) {
    struct syn_task task = { fn, context };
    if (threads <= 1 || !syn_parallel_available()) {
        for (int i = 0; i < (threads < 1 ? 1 : threads); i++) fn(context, i);
        return;
    }
    syn_gomp_parallel(syn_task_trampoline, &task, (unsigned)threads, 0);
}

void syn_omp_set_num_threads(int n) {
    // oneDNN's Debian build uses GNU OpenMP; it is loaded with libdnnl, so look it up rather than link it.
    void (*set)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
    if (set) set(n);
}
