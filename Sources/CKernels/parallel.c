// The parallel-region runtime: our kernels run on GNU OpenMP's thread team (loaded with Debian's
// oneDNN), so oneDNN's GEMMs and our kernels share one set of threads and never run at once.
//
// Adaptive team size. On a machine where another busy process takes a core, a team thread that
// shares that core loses whole scheduler ticks (milliseconds) and every region waits for it at the
// closing barrier: on 2 cores, work ran 2-10x slower than on one thread. Each region therefore
// records when every team thread finished; a region whose slowest thread ended far later than its
// fastest (more than a tick's worth and several times the work) is "disturbed". Two disturbed
// regions close together drop the team to one thread — our regions run on the caller alone and
// oneDNN's OpenMP team is set to one thread — for a back-off period, after which the full team is
// tried again; a disturbed probe doubles the back-off (up to 2 s), a calm one resets it. The
// decision is a pure function of timings (syn_team_policy_update) so it is tested with synthetic ones.
//
// Team regions (syn_parallel_run_team) let one region run a chain of dependent steps with OpenMP
// barriers between them (a small-batch MLP's layers: one fork instead of one per layer). Their
// threads wait for each other at every barrier, so a thread that lost a tick makes all of them
// finish late together; such a region is judged by its length against the least time any thread
// spent outside barriers.
#include "CKernels.h"
#include <dlfcn.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <time.h>

// libgomp entry points, looked up once (oneDNN's Debian build loads libgomp; we do not link it).
static void (*syn_gomp_parallel)(void (*)(void *), void *, unsigned, unsigned);
static int (*syn_omp_get_thread_num)(void);
static int (*syn_omp_get_num_threads)(void);
static void (*syn_gomp_barrier)(void);
static int syn_gomp_state = -1;

int syn_parallel_available(void) {
    if (syn_gomp_state < 0) {
        syn_gomp_parallel = (void (*)(void (*)(void *), void *, unsigned, unsigned))dlsym(RTLD_DEFAULT, "GOMP_parallel");
        syn_omp_get_thread_num = (int (*)(void))dlsym(RTLD_DEFAULT, "omp_get_thread_num");
        syn_omp_get_num_threads = (int (*)(void))dlsym(RTLD_DEFAULT, "omp_get_num_threads");
        syn_gomp_barrier = (void (*)(void))dlsym(RTLD_DEFAULT, "GOMP_barrier");
        syn_gomp_state = syn_gomp_parallel != NULL && syn_omp_get_thread_num != NULL && syn_omp_get_num_threads != NULL
            && syn_gomp_barrier != NULL;
    }
    return syn_gomp_state;
}

void syn_omp_set_num_threads(int n) {
    // oneDNN's Debian build uses GNU OpenMP; it is loaded with libdnnl, so look it up rather than link it.
    void (*set)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
    if (set) set(n);
}

int64_t syn_monotonic_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

// ---- the policy (pure) ----

#define SYN_DISTURBED_MIN_NS 400000LL       // a lost tick costs milliseconds; work imbalance far less
#define SYN_DISTURBED_RATIO 3               // ...and the straggler took several times the fastest thread
#define SYN_PAIR_WINDOW_NS 100000000LL      // two disturbed regions within 100 ms mean contention
#define SYN_BACKOFF_MIN_NS 50000000LL       // first retry of the full team after 50 ms
#define SYN_BACKOFF_MAX_NS 2000000000LL     // never wait more than 2 s to reclaim a freed core
#define SYN_CALM_RESET_NS 2000000000LL      // a full team that ran calm for 2 s resets the back-off

void syn_team_policy_init(syn_team_policy *p) {
    p->reduced = 0;
    p->probe_at_ns = 0;
    p->backoff_ns = SYN_BACKOFF_MIN_NS;
    p->last_disturbed_ns = -SYN_PAIR_WINDOW_NS * 10;
    p->restored_at_ns = 0;
    p->reductions = 0;
    p->disturbed_regions = 0;
}

int syn_team_policy_update(syn_team_policy *p, int64_t now_ns, int64_t fastest_ns, int64_t slowest_ns) {
    int64_t lag = slowest_ns - fastest_ns;
    int disturbed = lag > SYN_DISTURBED_MIN_NS && slowest_ns > SYN_DISTURBED_RATIO * fastest_ns;
    if (!disturbed) {
        if (now_ns - p->restored_at_ns > SYN_CALM_RESET_NS && now_ns - p->last_disturbed_ns > SYN_CALM_RESET_NS)
            p->backoff_ns = SYN_BACKOFF_MIN_NS;
        return 0;
    }
    p->disturbed_regions++;
    // Right after a probe one disturbance is enough: the competitor is evidently still there.
    int probing = p->reductions > 0 && now_ns - p->restored_at_ns < SYN_PAIR_WINDOW_NS;
    int paired = now_ns - p->last_disturbed_ns < SYN_PAIR_WINDOW_NS;
    p->last_disturbed_ns = now_ns;
    if (!probing && !paired) return 0;
    if (!probing || now_ns - p->restored_at_ns > SYN_CALM_RESET_NS) p->backoff_ns = SYN_BACKOFF_MIN_NS;
    p->reduced = 1;
    p->probe_at_ns = now_ns + p->backoff_ns;
    p->backoff_ns = p->backoff_ns * 2 > SYN_BACKOFF_MAX_NS ? SYN_BACKOFF_MAX_NS : p->backoff_ns * 2;
    p->reductions++;
    return 1;
}

int syn_team_policy_should_probe(syn_team_policy *p, int64_t now_ns) {
    if (!p->reduced || now_ns < p->probe_at_ns) return 0;
    p->reduced = 0;
    p->restored_at_ns = now_ns;
    return 1;
}

// ---- the runtime ----

#define SYN_MAX_TEAM 256

struct syn_task {
    syn_task_fn fn;
    void *context;
    int64_t finished[SYN_MAX_TEAM];
};

static void syn_task_trampoline(void *data) {
    struct syn_task *task = (struct syn_task *)data;
    int index = syn_omp_get_thread_num();
    task->fn(task->context, index);
    if (index < SYN_MAX_TEAM) task->finished[index] = syn_monotonic_ns();
}

// One policy for the process, guarded by a spin lock (held for a few instructions; regions are
// serialised by ThreadPool anyway, but the team size is also asked for outside regions).
// `syn_reduced_flag` mirrors `reduced` for lock-free readers.
static syn_team_policy syn_policy;
static int syn_policy_ready = 0;
static atomic_flag syn_policy_lock = ATOMIC_FLAG_INIT;
static _Atomic int syn_reduced_flag = 0;
static int syn_adaptive = -1;

static void syn_lock(void) { while (atomic_flag_test_and_set_explicit(&syn_policy_lock, memory_order_acquire)) {} }
static void syn_unlock(void) { atomic_flag_clear_explicit(&syn_policy_lock, memory_order_release); }

static int syn_adaptive_enabled(void) {
    if (syn_adaptive < 0) {
        const char *s = getenv("SYNAPSE_ADAPTIVE_THREADS");
        syn_adaptive = !(s && s[0] == '0');
    }
    return syn_adaptive;
}

void syn_parallel_set_adaptive(int enabled) {
    syn_lock();
    syn_adaptive = enabled != 0;
    if (!syn_adaptive && syn_policy_ready) syn_policy.reduced = 0;
    syn_unlock();
    atomic_store(&syn_reduced_flag, 0);
}

int syn_parallel_team_reduced(void) { return atomic_load(&syn_reduced_flag); }

void syn_parallel_team_stats(int64_t *reductions, int64_t *disturbed_regions) {
    syn_lock();
    *reductions = syn_policy_ready ? syn_policy.reductions : 0;
    *disturbed_regions = syn_policy_ready ? syn_policy.disturbed_regions : 0;
    syn_unlock();
}

// Set on threads that must run every region alone (the server's batch workers): a per-thread flag,
// so other threads keep the whole team.
static _Thread_local int syn_thread_serial = 0;

void syn_parallel_set_thread_serial(int serial) {
    syn_thread_serial = serial != 0;
    // GNU OpenMP keeps its thread count per thread too: oneDNN's regions from this thread follow.
    if (serial) syn_omp_set_num_threads(1);
}

int syn_parallel_thread_serial(void) { return syn_thread_serial; }

int syn_parallel_team_size(int threads) {
    if (syn_thread_serial) return 1;
    if (threads <= 1 || !atomic_load_explicit(&syn_reduced_flag, memory_order_relaxed)) return threads;
    syn_lock();
    int probe = syn_team_policy_should_probe(&syn_policy, syn_monotonic_ns());
    int reduced = syn_policy.reduced;
    syn_unlock();
    if (probe) {
        atomic_store(&syn_reduced_flag, 0);
        syn_omp_set_num_threads(threads);   // oneDNN's team follows the probe
    }
    return reduced ? 1 : threads;
}

// Feeds one region's timings to the policy and drops the team when it says so.
static void syn_parallel_observe(int64_t end_ns, int64_t fastest_ns, int64_t slowest_ns) {
    syn_lock();
    if (!syn_policy_ready) { syn_team_policy_init(&syn_policy); syn_policy_ready = 1; }
    int reduce = syn_team_policy_update(&syn_policy, end_ns, fastest_ns, slowest_ns);
    syn_unlock();
    if (reduce) {
        atomic_store(&syn_reduced_flag, 1);
        syn_omp_set_num_threads(1);
    }
}

// True when a region started now with `threads` would really fork a team.
static int syn_parallel_can_fork(int threads, int adaptive) {
    if (threads <= 1 || syn_thread_serial || !syn_parallel_available()) return 0;
    return !(adaptive && syn_parallel_team_size(threads) == 1);
}

void syn_parallel_run(syn_task_fn fn, void *context, int threads) {
    int adaptive = syn_adaptive_enabled();
    if (!syn_parallel_can_fork(threads, adaptive)) {
        for (int i = 0; i < (threads < 1 ? 1 : threads); i++) fn(context, i);
        return;
    }
    struct syn_task task;
    task.fn = fn;
    task.context = context;
    int64_t start = syn_monotonic_ns();
    syn_gomp_parallel(syn_task_trampoline, &task, (unsigned)threads, 0);
    if (!adaptive) return;
    int team = threads < SYN_MAX_TEAM ? threads : SYN_MAX_TEAM;
    int64_t fastest = task.finished[0], slowest = task.finished[0];
    for (int i = 1; i < team; i++) {
        if (task.finished[i] < fastest) fastest = task.finished[i];
        if (task.finished[i] > slowest) slowest = task.finished[i];
    }
    syn_parallel_observe(slowest, fastest - start, slowest - start);
}

// ---- team regions with barriers ----

// Nanoseconds the calling thread has waited in `syn_parallel_barrier` during its current team region.
static _Thread_local int64_t syn_barrier_wait_ns = 0;
// Set while the calling thread runs the body of a team region (barriers are only valid there).
static _Thread_local int syn_in_team_region = 0;

struct syn_team_task {
    syn_team_fn fn;
    void *context;
    int64_t start;
    _Atomic int team;                // the size OpenMP gave the team (at most the threads asked for)
    int64_t busy[SYN_MAX_TEAM];      // time each thread spent outside barriers
    int64_t finished[SYN_MAX_TEAM];
};

static void syn_team_trampoline(void *data) {
    struct syn_team_task *task = (struct syn_team_task *)data;
    int index = syn_omp_get_thread_num(), team = syn_omp_get_num_threads();
    if (index == 0) atomic_store_explicit(&task->team, team, memory_order_relaxed);
    syn_barrier_wait_ns = 0;
    syn_in_team_region = team > 1;
    task->fn(task->context, index, team);
    syn_in_team_region = 0;
    if (index < SYN_MAX_TEAM) {
        int64_t end = syn_monotonic_ns();
        task->finished[index] = end;
        task->busy[index] = end - task->start - syn_barrier_wait_ns;
    }
}

void syn_parallel_barrier(void) {
    if (!syn_in_team_region) return;
    int64_t t0 = syn_monotonic_ns();
    syn_gomp_barrier();
    syn_barrier_wait_ns += syn_monotonic_ns() - t0;
}

void syn_parallel_run_team(syn_team_fn fn, void *context, int threads) {
    int adaptive = syn_adaptive_enabled();
    if (!syn_parallel_can_fork(threads, adaptive)) {
        fn(context, 0, 1);
        return;
    }
    struct syn_team_task task;
    task.fn = fn;
    task.context = context;
    task.start = syn_monotonic_ns();
    atomic_store_explicit(&task.team, 1, memory_order_relaxed);
    syn_gomp_parallel(syn_team_trampoline, &task, (unsigned)threads, 0);
    if (!adaptive) return;
    // Threads wait for each other at the barriers, so they all finish late together when one of
    // them lost a tick: compare the region's length with the least time any thread spent working
    // (outside barriers) instead of comparing finish times.
    int team = atomic_load_explicit(&task.team, memory_order_relaxed);
    if (team > SYN_MAX_TEAM) team = SYN_MAX_TEAM;
    int64_t least_busy = task.busy[0], last = task.finished[0];
    for (int i = 1; i < team; i++) {
        if (task.busy[i] < least_busy) least_busy = task.busy[i];
        if (task.finished[i] > last) last = task.finished[i];
    }
    syn_parallel_observe(last, least_busy, last - task.start);
}
