/*
 * What shared_reduce.c and shared_region.c both need: whether every process of the job runs on
 * this host (decided once, collectively), the communicator of those processes, the fence that
 * makes every process's writes to a shared window visible to all, and how a sum is split into
 * one chunk per process. Internal to CMPIBridge.
 */
#ifndef SYNAPSE_SHARED_NODE_H
#define SYNAPSE_SHARED_NODE_H

#include <mpi.h>
#include <stdint.h>

#define SYN_SHARED_MAX_RANKS 64
#define SYN_CHUNK_ALIGN 16 /* floats: one cache line per chunk boundary */

/* Decides (collectively, the first time) whether every process of the job shares this host and may
 * sum through shared memory (SYNAPSE_MPI_SHARED_REDUCE=0 says no). Returns an MPI error code. */
int syn_shared_decide(void);
/* 1 when decided and available, 0 when decided and not, -1 before the decision. */
int syn_shared_state(void);
/* The processes of this host, and this process's rank and their number among them. */
MPI_Comm syn_shared_comm(void);
int syn_shared_rank(void);
int syn_shared_size(void);

/* Everyone's writes to `window` are visible to everyone after it: a barrier of this host's
 * processes that sleeps instead of polling when one waits for the others (shared_barrier.c). */
int syn_shared_fence(MPI_Win window);
/* Makes the barrier (collective over the host's processes, once the decision is 1); frees it. */
int syn_shared_barrier_create(void);
void syn_shared_barrier_release(void);
/* Process r's chunk [lo, hi) of `count` values split over `size` processes, cache-line aligned. */
static inline void syn_shared_chunk(int64_t count, int size, int r, int64_t *lo, int64_t *hi) {
    int64_t chunk = (count + size - 1) / size;
    chunk = (chunk + SYN_CHUNK_ALIGN - 1) / SYN_CHUNK_ALIGN * SYN_CHUNK_ALIGN;
    int64_t start = (int64_t)r * chunk;
    *lo = start < count ? start : count;
    *hi = start + chunk < count ? start + chunk : count;
}

/* Frees every region made by synapse_mpi_shared_region_create (collective; before the communicator). */
void syn_shared_regions_release(void);

#endif
