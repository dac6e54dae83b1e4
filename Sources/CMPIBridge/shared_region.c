/*
 * Reduction regions in shared memory that a data-parallel job writes its gradients into directly.
 *
 * shared_reduce.c sums a caller's buffer by copying it into a shared window and the sums back out:
 * two extra passes over every gradient byte, on the core that also runs the training. A region
 * is a window that stays: each process writes its gradients straight into its own slot (a
 * gradient bucket's memory is the slot), and the sum happens in place — each process sums one 1/N
 * chunk of every slot, element by element in rank order, into its own slot, then copies the other
 * chunks' sums from their owners' slots into its own. Every process ends with the same bits as
 * shared_reduce.c and MPI_Allreduce's rank-order sum would give.
 *
 * Each slot has two areas. The caller alternates between them from one backward pass to the next:
 * a process writes area p again two passes later, after it has passed every fence of the pass in
 * between — which no process reaches before it has finished reading the sums of area p.
 */
#include "CMPIBridge.h"
#include "shared_node.h"

#include <mpi.h>
#include <stdlib.h>
#include <string.h>

#define SYN_REGION_MAX_FLOATS ((int64_t)1 << 26)  /* 256 MiB per area; larger models reduce their own buffers */
#define SYN_REGION_MAX_COUNT 64                    /* regions per process (one per wrapped model) */
#define SYN_SUM_BLOCK 1024                         /* floats summed in one block on the stack */

struct synapse_shared_region {
    MPI_Win window;
    float *slots[SYN_SHARED_MAX_RANKS];
    int64_t count; /* floats per area */
    int released;  /* freed at MPI_Finalize: no area any more */
};

static synapse_shared_region *syn_regions[SYN_REGION_MAX_COUNT];
static int syn_region_count = 0;

int synapse_mpi_shared_region_create(int64_t count, synapse_shared_region **region) {
    *region = NULL;
    int code = syn_shared_decide();
    if (code != MPI_SUCCESS) return code;
    /* Every process decides alike: the state is agreed, the count and the number of regions made
     * so far are the same everywhere (collectives in the same order). */
    if (syn_shared_state() != 1 || count <= 0 || count > SYN_REGION_MAX_FLOATS || syn_region_count == SYN_REGION_MAX_COUNT)
        return MPI_SUCCESS;
    /* SYNAPSE_MPI_SHARED_BUCKETS=0 keeps the buckets in private memory (for A/B measurements).
     * Agreed, as every process must take the same path. */
    const char *off = getenv("SYNAPSE_MPI_SHARED_BUCKETS");
    int wanted = !(off && off[0] == '0'), all = 0;
    code = MPI_Allreduce(&wanted, &all, 1, MPI_INT, MPI_MIN, syn_shared_comm());
    if (code != MPI_SUCCESS || !all) return code;
    synapse_shared_region *made = calloc(1, sizeof *made);
    if (!made) return MPI_ERR_NO_MEM;
    made->count = (count + SYN_CHUNK_ALIGN - 1) / SYN_CHUNK_ALIGN * SYN_CHUNK_ALIGN;
    float *mine = NULL;
    code = MPI_Win_allocate_shared((MPI_Aint)(2 * made->count * (int64_t)sizeof(float)), sizeof(float), MPI_INFO_NULL,
                                   syn_shared_comm(), &mine, &made->window);
    if (code != MPI_SUCCESS) {
        free(made);
        return code;
    }
    MPI_Win_set_errhandler(made->window, MPI_ERRORS_RETURN);
    for (int r = 0; r < syn_shared_size() && code == MPI_SUCCESS; r++) {
        MPI_Aint bytes = 0;
        int unit = 0;
        code = MPI_Win_shared_query(made->window, r, &bytes, &unit, &made->slots[r]);
    }
    if (code == MPI_SUCCESS) code = MPI_Win_lock_all(MPI_MODE_NOCHECK, made->window);
    if (code != MPI_SUCCESS) {
        MPI_Win_free(&made->window);
        free(made);
        return code;
    }
    memset(mine, 0, (size_t)(2 * made->count) * sizeof(float));
    syn_regions[syn_region_count++] = made;
    *region = made;
    return MPI_SUCCESS;
}

float *synapse_mpi_shared_region_area(synapse_shared_region *region, int parity) {
    if (region->released) return NULL;
    return region->slots[syn_shared_rank()] + (parity ? region->count : 0);
}

int synapse_mpi_shared_region_reduce(synapse_shared_region *region, int parity, int64_t offset, int64_t count) {
    if (region->released) return MPI_ERR_WIN;
    if (parity < 0 || parity > 1 || offset < 0 || count < 0 || offset > region->count - count) return MPI_ERR_ARG;
    if (count == 0) return MPI_SUCCESS;
    const int rank = syn_shared_rank(), size = syn_shared_size();
    const int64_t base = (parity ? region->count : 0) + offset;
    int code = syn_shared_fence(region->window);
    if (code != MPI_SUCCESS) return code;
    int64_t lo, hi;
    syn_shared_chunk(count, size, rank, &lo, &hi);
    float *mine = region->slots[rank] + base;
    /* ((s0 + s1) + s2) + ... in a block on the stack, then over this process's own slot (one of
     * the terms): the same order for every element, whichever process sums it. */
    float sum[SYN_SUM_BLOCK];
    for (int64_t start = lo; start < hi; start += SYN_SUM_BLOCK) {
        int64_t n = hi - start < SYN_SUM_BLOCK ? hi - start : SYN_SUM_BLOCK;
        const float *restrict first = region->slots[0] + base + start, *restrict second = region->slots[1] + base + start;
        for (int64_t i = 0; i < n; i++) sum[i] = first[i] + second[i];
        for (int r = 2; r < size; r++) {
            const float *restrict next = region->slots[r] + base + start;
            for (int64_t i = 0; i < n; i++) sum[i] += next[i];
        }
        memcpy(mine + start, sum, (size_t)n * sizeof(float));
    }
    if ((code = syn_shared_fence(region->window)) != MPI_SUCCESS) return code;
    for (int r = 0; r < size; r++) {
        if (r == rank) continue;
        int64_t a, b;
        syn_shared_chunk(count, size, r, &a, &b);
        if (b > a) memcpy(mine + a, region->slots[r] + base + a, (size_t)(b - a) * sizeof(float));
    }
    return MPI_SUCCESS;
}

int synapse_mpi_shared_region_fence(synapse_shared_region *region) {
    if (region->released) return MPI_ERR_WIN;
    return syn_shared_fence(region->window);
}

int synapse_mpi_shared_region_processes(synapse_shared_region *region) {
    return region->released ? 0 : syn_shared_size();
}

const float *synapse_mpi_shared_region_area_of(synapse_shared_region *region, int process, int parity) {
    if (region->released || process < 0 || process >= syn_shared_size() || parity < 0 || parity > 1) return NULL;
    return region->slots[process] + (parity ? region->count : 0);
}

/* The handles stay allocated (a few hundred bytes each): a wrapper that outlives MPI asks them for
 * an area and gets none, instead of writing into memory that is gone. */
void syn_shared_regions_release(void) {
    for (int i = 0; i < syn_region_count; i++) {
        MPI_Win_unlock_all(syn_regions[i]->window);
        MPI_Win_free(&syn_regions[i]->window);
        memset(syn_regions[i]->slots, 0, sizeof syn_regions[i]->slots);
        syn_regions[i]->released = 1;
        syn_regions[i] = NULL;
    }
    syn_region_count = 0;
}
