#ifndef SYNAPSE_CMPI_BRIDGE_H
#define SYNAPSE_CMPI_BRIDGE_H
/*
 * A narrow C face over Open MPI for Swift. MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, ...) are
 * macros over global objects that Swift cannot import, so the Swift side sees only these
 * functions and plain pointers.
 *
 * Every call returns an MPI error code (0 = MPI_SUCCESS): the world communicator is switched to
 * MPI_ERRORS_RETURN at initialisation, so a failure is reported, never an abort inside MPI.
 * The calls block; Synapse makes them from one communication thread, in the order they were
 * asked for, while the thread that asked waits with a deadline (see MPICommunicator.swift).
 * Counts are 64-bit; transfers beyond MPI's int counts are cut into several calls.
 */
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Initialises MPI (asking for MPI_THREAD_MULTIPLE) unless already done; fills rank, size and the
 *  thread level provided (0 single, 1 funneled, 2 serialized, 3 multiple). */
int synapse_mpi_initialize(int *rank, int *size, int *thread_level);
/** True once MPI_Init has run (and MPI_Finalize has not). */
int synapse_mpi_is_active(void);
/** MPI_Finalize. */
int synapse_mpi_finalize(void);
/** Ends every process of the job with `code` (MPI_Abort): the way out when a peer hangs. */
void synapse_mpi_abort(int code);
/** The text of an MPI error code into `buffer` (always terminated). */
void synapse_mpi_error_string(int code, char *buffer, int capacity);
/** The host's name as MPI reports it. */
void synapse_mpi_processor_name(char *buffer, int capacity);
/** How many CPUs the calling thread may run on (its affinity mask, as `mpirun --bind-to core`
 *  sets it); 0 when unknown. */
int synapse_allowed_cpu_count(void);

/** Sums `count` floats over all processes, in place (MPI_Allreduce). */
int synapse_mpi_allreduce_sum_f32(float *buffer, int64_t count);
/** Sums `count` floats over all processes, in place, through a shared-memory window when every
 *  process runs on this host (shared_reduce.c), else with MPI_Allreduce. Collective; the first call
 *  decides which (MPI_Comm_split_type). SYNAPSE_MPI_SHARED_REDUCE=0 always takes MPI_Allreduce. */
int synapse_mpi_allreduce_sum_f32_shared(float *buffer, int64_t count);
/** Whether `synapse_mpi_allreduce_sum_f32_shared` uses the shared window: 1 yes, 0 no, -1 not decided
 *  yet (no reduction so far). Calls no MPI. */
int synapse_mpi_shared_reduce_state(void);
/** 1 when the shared-memory sums wait for each other by sleeping (a futex in shared memory,
 *  shared_barrier.c) rather than by polling inside MPI_Barrier; 0 otherwise or not decided yet.
 *  SYNAPSE_MPI_SLEEPING_BARRIER=0 keeps MPI_Barrier. Calls no MPI. */
int synapse_mpi_sleeping_barrier(void);
/** Frees the shared window and its communicator (collective; before MPI_Finalize). */
void synapse_mpi_shared_reduce_release(void);
/** A reduction region: a window of shared memory that every process of the job maps, two areas
 *  per process (shared_region.c). */
typedef struct synapse_shared_region synapse_shared_region;
/** Makes a region of `count` floats per area (collective; every process passes the same count).
 *  `*region` is NULL when the processes span hosts, SYNAPSE_MPI_SHARED_REDUCE=0 or
 *  SYNAPSE_MPI_SHARED_BUCKETS=0, the count is above 2^26 floats, or 64 regions exist: the caller
 *  then reduces buffers of its own. Regions live until MPI_Finalize. */
int synapse_mpi_shared_region_create(int64_t count, synapse_shared_region **region);
/** This process's area `parity` (0 or 1) of the region: `count` floats, zero at creation; NULL
 *  after MPI_Finalize. */
float *synapse_mpi_shared_region_area(synapse_shared_region *region, int parity);
/** Sums floats [offset, offset + count) of every process's area `parity` in place (collective):
 *  afterwards each process's area holds the rank-order sums there. */
int synapse_mpi_shared_region_reduce(synapse_shared_region *region, int parity, int64_t offset, int64_t count);
/** The fence of the region (collective): every process's writes to its areas are visible to all
 *  afterwards, and no process returns before all have arrived. A process may then read any
 *  process's area of the pass (synapse_mpi_shared_region_area_of) until its next fence. */
int synapse_mpi_shared_region_fence(synapse_shared_region *region);
/** The processes that map the region (the job's, in rank order); 0 after MPI_Finalize. */
int synapse_mpi_shared_region_processes(synapse_shared_region *region);
/** Process `process`'s area `parity` (0 or 1), read-only; NULL after MPI_Finalize or out of range. */
const float *synapse_mpi_shared_region_area_of(synapse_shared_region *region, int process, int parity);
/** out[i] = (((s0[i] + s1[i]) + s2[i]) + ...) * scale, i < count, where sr = sources[r] + offset, for
 *  `n` sources (the sums in source order, then one product, no fused multiply-add); `out` overlaps
 *  no source. Calls no MPI (bucket_mean.c). */
void synapse_mean_of_buffers(const float *const *sources, int n, int64_t offset, float scale, float *out, int64_t count);
/** Sums `count` doubles over all processes, in place. */
int synapse_mpi_allreduce_sum_f64(double *buffer, int64_t count);
/** Copies `bytes` bytes of `root`'s `buffer` into every process's. */
int synapse_mpi_broadcast(void *buffer, int64_t bytes, int root);
/** Gathers `bytes` bytes from every process: `receive` holds size × bytes, in rank order
 *  (bytes below 2^31). */
int synapse_mpi_allgather(const void *send, int64_t bytes, void *receive);
/** Returns when every process has called it. */
int synapse_mpi_barrier(void);
/** Sends `bytes` bytes to `destination` with `tag`. */
int synapse_mpi_send(const void *buffer, int64_t bytes, int destination, int tag);
/** Receives `bytes` bytes from `source` with `tag`; a shorter message is an error (MPI_ERR_TRUNCATE). */
int synapse_mpi_recv(void *buffer, int64_t bytes, int source, int tag);
/** Sends `send_bytes` bytes to `destination` with `send_tag` while receiving `receive_bytes` bytes from
 *  `source` with `receive_tag` (both directions in flight at once, so two processes that send to each
 *  other in the same step never wait on each other); a shorter message is an error. */
int synapse_mpi_sendrecv(const void *send, int64_t send_bytes, int destination, int send_tag,
                         void *receive, int64_t receive_bytes, int source, int receive_tag);

#ifdef __cplusplus
}
#endif
#endif
