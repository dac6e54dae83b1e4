/*
 * Sum-allreduce through one shared-memory window, for jobs whose processes all run on one host.
 *
 * Open MPI's shared-memory transport moves a reduction's data through small FIFO fragments (two
 * copies per transfer without the kernel's single-copy help, which containers usually forbid) and
 * progresses it by polling. Here every process copies its buffer into its own slot of a window that
 * all of them map (MPI_Win_allocate_shared), then sums one 1/N chunk of the slots — element by
 * element in rank order, so every process ends with the same bits — and copies the other chunks'
 * sums from their owners' slots: one barrier after the copy in, one after the sums. Two areas per
 * slot, used in turn, let a process start the next reduction while a slower one still reads the
 * sums of the last (it cannot start the one after before everyone passed the next one's barriers).
 *
 * The window grows (collectively: every process asks for the same counts in the same order, as
 * collectives require) to the largest count seen; counts above SYN_SHARED_MAX_FLOATS, and jobs that
 * span hosts, use MPI_Allreduce.
 */
#include "CMPIBridge.h"
#include "shared_node.h"

#include <mpi.h>
#include <stdlib.h>
#include <string.h>

#define SYN_SHARED_MAX_FLOATS ((int64_t)1 << 24)  /* 64 MiB per area: two 25 MiB buckets fit */

static int syn_state = -1;               /* -1 not decided, 0 not available, 1 available */
static MPI_Comm syn_node = MPI_COMM_NULL;
static MPI_Win syn_window = MPI_WIN_NULL;
static float *syn_slots[SYN_SHARED_MAX_RANKS];
static int64_t syn_capacity = 0;         /* floats per area */
static int syn_parity = 0;
static int syn_rank = 0, syn_size = 1;

int syn_shared_state(void) { return syn_state; }
MPI_Comm syn_shared_comm(void) { return syn_node; }
int syn_shared_rank(void) { return syn_rank; }
int syn_shared_size(void) { return syn_size; }

int syn_shared_decide(void) {
    if (syn_state >= 0) return MPI_SUCCESS;
    const char *off = getenv("SYNAPSE_MPI_SHARED_REDUCE");
    int world = 0, code = MPI_Comm_size(MPI_COMM_WORLD, &world);
    if (code != MPI_SUCCESS) return code;
    code = MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &syn_node);
    if (code != MPI_SUCCESS) return code;
    MPI_Comm_set_errhandler(syn_node, MPI_ERRORS_RETURN);
    MPI_Comm_rank(syn_node, &syn_rank);
    MPI_Comm_size(syn_node, &syn_size);
    /* Every process must take the same path (or the sums would wait on each other forever): the
     * window only when all of them can and want to use it. */
    int mine = syn_size == world && world > 1 && world <= SYN_SHARED_MAX_RANKS && !(off && off[0] == '0'), all = 0;
    code = MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (code != MPI_SUCCESS) return code;
    syn_state = all;
    return all ? syn_shared_barrier_create() : MPI_SUCCESS;
}

static int syn_fence(void) { return syn_shared_fence(syn_window); }

static void syn_release(void) {
    if (syn_window != MPI_WIN_NULL) {
        MPI_Win_unlock_all(syn_window);
        MPI_Win_free(&syn_window);
    }
    syn_capacity = 0;
}

/* Makes every area hold at least `count` floats. */
static int syn_reserve(int64_t count) {
    if (count <= syn_capacity) return MPI_SUCCESS;
    /* A slower process may still be copying the last sums out of the window being replaced. */
    if (syn_window != MPI_WIN_NULL) {
        int code = syn_fence();
        if (code != MPI_SUCCESS) return code;
    }
    int64_t capacity = count < 2 * syn_capacity ? 2 * syn_capacity : count;
    syn_release();
    if (capacity > SYN_SHARED_MAX_FLOATS) capacity = SYN_SHARED_MAX_FLOATS;
    capacity = (capacity + SYN_CHUNK_ALIGN - 1) / SYN_CHUNK_ALIGN * SYN_CHUNK_ALIGN;
    float *mine = NULL;
    int code = MPI_Win_allocate_shared((MPI_Aint)(2 * capacity * (int64_t)sizeof(float)), sizeof(float), MPI_INFO_NULL,
                                       syn_node, &mine, &syn_window);
    if (code != MPI_SUCCESS) return code;
    MPI_Win_set_errhandler(syn_window, MPI_ERRORS_RETURN);
    for (int r = 0; r < syn_size; r++) {
        MPI_Aint bytes = 0;
        int unit = 0;
        float *base = NULL;
        code = MPI_Win_shared_query(syn_window, r, &bytes, &unit, &base);
        if (code != MPI_SUCCESS) return code;
        syn_slots[r] = base;
    }
    code = MPI_Win_lock_all(MPI_MODE_NOCHECK, syn_window);
    if (code != MPI_SUCCESS) return code;
    syn_capacity = capacity;
    syn_parity = 0;
    return MPI_SUCCESS;
}

static void syn_chunk(int64_t count, int r, int64_t *lo, int64_t *hi) { syn_shared_chunk(count, syn_size, r, lo, hi); }

int synapse_mpi_shared_reduce_state(void) { return syn_state; }

int synapse_mpi_allreduce_sum_f32_shared(float *buffer, int64_t count) {
    int code = syn_shared_decide();
    if (code != MPI_SUCCESS) return code;
    if (syn_state != 1 || count > SYN_SHARED_MAX_FLOATS) return synapse_mpi_allreduce_sum_f32(buffer, count);
    if (count <= 0) return MPI_SUCCESS;
    code = syn_reserve(count);
    if (code != MPI_SUCCESS) return code;
    int64_t area = syn_parity ? syn_capacity : 0;
    syn_parity ^= 1;
    float *mine = syn_slots[syn_rank] + area;
    memcpy(mine, buffer, (size_t)count * sizeof(float));
    if ((code = syn_fence()) != MPI_SUCCESS) return code;
    int64_t lo, hi;
    syn_chunk(count, syn_rank, &lo, &hi);
    /* ((s0 + s1) + s2) + ...: the same order for every element, whichever process sums it. */
    float *restrict out = buffer + lo;
    const float *restrict first = syn_slots[0] + area + lo;
    int64_t n = hi - lo;
    if (syn_size > 1) {
        const float *restrict second = syn_slots[1] + area + lo;
        for (int64_t i = 0; i < n; i++) out[i] = first[i] + second[i];
    }
    for (int r = 2; r < syn_size; r++) {
        const float *restrict next = syn_slots[r] + area + lo;
        for (int64_t i = 0; i < n; i++) out[i] += next[i];
    }
    memcpy(mine + lo, out, (size_t)n * sizeof(float));
    if ((code = syn_fence()) != MPI_SUCCESS) return code;
    for (int r = 0; r < syn_size; r++) {
        if (r == syn_rank) continue;
        int64_t a, b;
        syn_chunk(count, r, &a, &b);
        if (b > a) memcpy(buffer + a, syn_slots[r] + area + a, (size_t)(b - a) * sizeof(float));
    }
    return MPI_SUCCESS;
}

void synapse_mpi_shared_reduce_release(void) {
    syn_shared_regions_release();
    if (syn_state == 1) syn_release();
    syn_shared_barrier_release();
    if (syn_node != MPI_COMM_NULL) MPI_Comm_free(&syn_node);
    syn_state = -1;
}
