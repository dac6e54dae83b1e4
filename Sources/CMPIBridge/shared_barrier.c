/*
 * The barrier of the shared-memory sums: every process of this host waits until all have arrived.
 *
 * MPI_Barrier waits by polling: with mpi_yield_when_idle the communication thread calls
 * sched_yield in a loop, so while one process waits for a slower one (a gradient bucket launched
 * in the middle of backward), its communication thread keeps taking turns on the core that runs
 * its training thread. On a W12 rank bound to one core that was 4-6% of the core beyond what the
 * sums need, and several preemptions of the training thread per step, for a wait that does no
 * work. Here a process that arrives first spins for a few microseconds (the usual gap at the
 * barrier after the sums) and then sleeps on a futex in a small shared window; the last to arrive
 * wakes it. Linux only: elsewhere (and if the window cannot be made) the fence keeps MPI_Barrier.
 *
 * One barrier serves every shared window: all of them are used in the same order on every process
 * (they are collectives), by one thread at a time (the MPI lock of the Swift communicator).
 */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* syscall */
#endif
#include "CMPIBridge.h"
#include "shared_node.h"

#include <mpi.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__linux__)
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#define SYN_SPIN_DEFAULT_NS 20000 /* spun before sleeping: the gap at a barrier between equal amounts of work */

/* The counters, each on a cache line of its own, in rank 0's part of the barrier window. */
struct syn_barrier_block {
    _Atomic uint32_t arrived;
    char pad[60];
    _Atomic uint32_t generation; /* the futex word: changes when the last process arrives */
    char pad2[60];
};

static MPI_Win syn_barrier_window = MPI_WIN_NULL;
/* NULL while the fence is MPI_Barrier. Atomic: the Swift communicator's waiters read it too. */
static struct syn_barrier_block *_Atomic syn_barrier = NULL;
#if defined(__linux__)
static int64_t syn_spin_ns = SYN_SPIN_DEFAULT_NS;
#endif

int syn_shared_barrier_create(void) {
#if defined(__linux__)
    MPI_Comm node = syn_shared_comm();
    /* SYNAPSE_MPI_SLEEPING_BARRIER=0 keeps MPI_Barrier (for A/B measurements). Agreed, as every
     * process must wait the same way. */
    const char *off = getenv("SYNAPSE_MPI_SLEEPING_BARRIER");
    int wanted = !(off && off[0] == '0'), all = 0;
    int code = MPI_Allreduce(&wanted, &all, 1, MPI_INT, MPI_MIN, node);
    if (code != MPI_SUCCESS || !all) return code;
    MPI_Aint bytes = syn_shared_rank() == 0 ? (MPI_Aint)sizeof(struct syn_barrier_block) : 0;
    void *mine = NULL;
    code = MPI_Win_allocate_shared(bytes, 1, MPI_INFO_NULL, node, &mine, &syn_barrier_window);
    if (code != MPI_SUCCESS) return code;
    MPI_Win_set_errhandler(syn_barrier_window, MPI_ERRORS_RETURN);
    MPI_Aint size = 0;
    int unit = 0;
    void *block = NULL;
    code = MPI_Win_shared_query(syn_barrier_window, 0, &size, &unit, &block);
    if (code == MPI_SUCCESS && syn_shared_rank() == 0) memset(block, 0, sizeof(struct syn_barrier_block));
    /* Nobody arrives before rank 0 has zeroed the counters. */
    if (code == MPI_SUCCESS) code = MPI_Barrier(node);
    if (code != MPI_SUCCESS) {
        MPI_Win_free(&syn_barrier_window);
        return code;
    }
    atomic_store(&syn_barrier, (struct syn_barrier_block *)block);
    /* SYNAPSE_MPI_SPIN_US: microseconds to spin before sleeping (for measurements; 0 sleeps at once). */
    const char *spin = getenv("SYNAPSE_MPI_SPIN_US");
    if (spin) {
        long us = strtol(spin, NULL, 10);
        syn_spin_ns = us < 0 ? 0 : us > 1000000 ? 1000000000 : (int64_t)us * 1000;
    }
#endif
    return MPI_SUCCESS;
}

int synapse_mpi_sleeping_barrier(void) { return atomic_load(&syn_barrier) != NULL; }

void syn_shared_barrier_release(void) {
    atomic_store(&syn_barrier, NULL);
    if (syn_barrier_window != MPI_WIN_NULL) MPI_Win_free(&syn_barrier_window);
}

#if defined(__linux__)
static int64_t syn_now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static inline void syn_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Not FUTEX_PRIVATE_FLAG: the word lives in memory that several processes map. */
static void syn_futex_wait(_Atomic uint32_t *word, uint32_t expected) {
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, expected, NULL, NULL, 0);
}

static void syn_futex_wake_all(_Atomic uint32_t *word) {
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

static void syn_barrier_wait(struct syn_barrier_block *b, int size) {
    /* Read before arriving, so the barrier cannot complete between the read and the arrival. */
    uint32_t generation = atomic_load_explicit(&b->generation, memory_order_acquire);
    if (atomic_fetch_add_explicit(&b->arrived, 1, memory_order_acq_rel) == (uint32_t)size - 1) {
        /* Reset before releasing: nobody arrives at the next barrier before the generation moves. */
        atomic_store_explicit(&b->arrived, 0, memory_order_relaxed);
        atomic_fetch_add_explicit(&b->generation, 1, memory_order_release);
        syn_futex_wake_all(&b->generation);
        return;
    }
    const int64_t until = syn_spin_ns > 0 ? syn_now_ns() + syn_spin_ns : 0;
    while (atomic_load_explicit(&b->generation, memory_order_acquire) == generation) {
        if (until == 0 || syn_now_ns() >= until) {
            /* Returns at once if the generation moved since the check (the kernel compares it). */
            syn_futex_wait(&b->generation, generation);
        } else {
            for (int i = 0; i < 32; i++) syn_cpu_relax();
        }
    }
}
#endif

int syn_shared_fence(MPI_Win window) {
    MPI_Win_sync(window);
    int code = MPI_SUCCESS;
#if defined(__linux__)
    struct syn_barrier_block *barrier = atomic_load_explicit(&syn_barrier, memory_order_relaxed);
    if (barrier) {
        atomic_thread_fence(memory_order_seq_cst);
        syn_barrier_wait(barrier, syn_shared_size());
        atomic_thread_fence(memory_order_seq_cst);
    } else {
        code = MPI_Barrier(syn_shared_comm());
    }
#else
    code = MPI_Barrier(syn_shared_comm());
#endif
    MPI_Win_sync(window);
    return code;
}
