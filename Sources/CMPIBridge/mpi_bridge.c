#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* sched_getaffinity and CPU_COUNT */
#endif
#include "CMPIBridge.h"

#include <limits.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sched.h>
#endif

/* Elements per call: well inside INT_MAX for every element size used here. */
static const int64_t part_elements = (int64_t)1 << 28;

static int64_t part(int64_t count, int64_t start) {
    return count - start < part_elements ? count - start : part_elements;
}

int synapse_mpi_initialize(int *rank, int *size, int *thread_level) {
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    if (finalized) return MPI_ERR_OTHER;
    int provided = MPI_THREAD_SINGLE;
    if (!initialized) {
        int code = MPI_Init_thread(NULL, NULL, MPI_THREAD_MULTIPLE, &provided);
        if (code != MPI_SUCCESS) return code;
    } else {
        MPI_Query_thread(&provided);
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    *thread_level = provided == MPI_THREAD_MULTIPLE ? 3 : provided == MPI_THREAD_SERIALIZED ? 2
                  : provided == MPI_THREAD_FUNNELED ? 1 : 0;
    int code = MPI_Comm_rank(MPI_COMM_WORLD, rank);
    if (code != MPI_SUCCESS) return code;
    return MPI_Comm_size(MPI_COMM_WORLD, size);
}

int synapse_mpi_is_active(void) {
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    return initialized && !finalized;
}

int synapse_mpi_finalize(void) {
    synapse_mpi_shared_reduce_release();
    return MPI_Finalize();
}

void synapse_mpi_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }

void synapse_mpi_error_string(int code, char *buffer, int capacity) {
    if (capacity <= 0) return;
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) length = 0;
    text[length < MPI_MAX_ERROR_STRING ? length : MPI_MAX_ERROR_STRING - 1] = '\0';
    strncpy(buffer, length > 0 ? text : "unknown MPI error", (size_t)capacity - 1);
    buffer[capacity - 1] = '\0';
}

void synapse_mpi_processor_name(char *buffer, int capacity) {
    if (capacity <= 0) return;
    char name[MPI_MAX_PROCESSOR_NAME];
    int length = 0;
    if (MPI_Get_processor_name(name, &length) != MPI_SUCCESS) length = 0;
    name[length < MPI_MAX_PROCESSOR_NAME ? length : MPI_MAX_PROCESSOR_NAME - 1] = '\0';
    strncpy(buffer, name, (size_t)capacity - 1);
    buffer[capacity - 1] = '\0';
}

int synapse_allowed_cpu_count(void) {
#if defined(__linux__)
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return 0;
    return CPU_COUNT(&set);
#else
    return 0;
#endif
}

static int allreduce(void *buffer, int64_t count, MPI_Datatype type, size_t element) {
    for (int64_t start = 0; start < count; start += part_elements) {
        int code = MPI_Allreduce(MPI_IN_PLACE, (char *)buffer + start * (int64_t)element, (int)part(count, start), type,
                                 MPI_SUM, MPI_COMM_WORLD);
        if (code != MPI_SUCCESS) return code;
    }
    return MPI_SUCCESS;
}

int synapse_mpi_allreduce_sum_f32(float *buffer, int64_t count) {
    return allreduce(buffer, count, MPI_FLOAT, sizeof(float));
}

int synapse_mpi_allreduce_sum_f64(double *buffer, int64_t count) {
    return allreduce(buffer, count, MPI_DOUBLE, sizeof(double));
}

int synapse_mpi_broadcast(void *buffer, int64_t bytes, int root) {
    for (int64_t start = 0; start < bytes; start += part_elements) {
        int code = MPI_Bcast((char *)buffer + start, (int)part(bytes, start), MPI_BYTE, root, MPI_COMM_WORLD);
        if (code != MPI_SUCCESS) return code;
    }
    return MPI_SUCCESS;
}

int synapse_mpi_allgather(const void *send, int64_t bytes, void *receive) {
    if (bytes < 0 || bytes > INT_MAX) return MPI_ERR_COUNT;
    return MPI_Allgather(send, (int)bytes, MPI_BYTE, receive, (int)bytes, MPI_BYTE, MPI_COMM_WORLD);
}

int synapse_mpi_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }

int synapse_mpi_send(const void *buffer, int64_t bytes, int destination, int tag) {
    int64_t start = 0;
    do {
        int code = MPI_Send((const char *)buffer + start, (int)part(bytes, start), MPI_BYTE, destination, tag, MPI_COMM_WORLD);
        if (code != MPI_SUCCESS) return code;
        start += part_elements;
    } while (start < bytes);
    return MPI_SUCCESS;
}

/* A received part must be as long as asked: a shorter one means the peers disagree about the message. */
static int check_length(const MPI_Status *status, int64_t expected) {
    int received = 0;
    int code = MPI_Get_count(status, MPI_BYTE, &received);
    if (code != MPI_SUCCESS) return code;
    return received == expected ? MPI_SUCCESS : MPI_ERR_TRUNCATE;
}

int synapse_mpi_recv(void *buffer, int64_t bytes, int source, int tag) {
    int64_t start = 0;
    do {
        MPI_Status status;
        int code = MPI_Recv((char *)buffer + start, (int)part(bytes, start), MPI_BYTE, source, tag, MPI_COMM_WORLD, &status);
        if (code != MPI_SUCCESS) return code;
        code = check_length(&status, part(bytes, start));
        if (code != MPI_SUCCESS) return code;
        start += part_elements;
    } while (start < bytes);
    return MPI_SUCCESS;
}

static int64_t part_count(int64_t bytes) { return bytes <= 0 ? 1 : (bytes + part_elements - 1) / part_elements; }

int synapse_mpi_sendrecv(const void *send, int64_t send_bytes, int destination, int send_tag,
                         void *receive, int64_t receive_bytes, int source, int receive_tag) {
    int64_t sends = part_count(send_bytes), receives = part_count(receive_bytes);
    MPI_Request *requests = malloc((size_t)(sends + receives) * sizeof(MPI_Request));
    MPI_Status *statuses = malloc((size_t)(sends + receives) * sizeof(MPI_Status));
    if (requests == NULL || statuses == NULL) {
        free(requests);
        free(statuses);
        return MPI_ERR_NO_MEM;
    }
    /* Receives first, so the peer's sends find them posted; then the sends; then wait for all. */
    int64_t posted = 0;
    int code = MPI_SUCCESS;
    for (int64_t i = 0; i < receives && code == MPI_SUCCESS; i++) {
        int64_t start = i * part_elements;
        code = MPI_Irecv((char *)receive + start, (int)part(receive_bytes, start), MPI_BYTE, source, receive_tag,
                         MPI_COMM_WORLD, &requests[posted]);
        if (code == MPI_SUCCESS) posted++;
    }
    for (int64_t i = 0; i < sends && code == MPI_SUCCESS; i++) {
        int64_t start = i * part_elements;
        code = MPI_Isend((const char *)send + start, (int)part(send_bytes, start), MPI_BYTE, destination, send_tag,
                         MPI_COMM_WORLD, &requests[posted]);
        if (code == MPI_SUCCESS) posted++;
    }
    if (code != MPI_SUCCESS) {
        /* Nothing may still write into the buffers once this returns: cancel what was posted and finish it. */
        for (int64_t i = 0; i < posted; i++) MPI_Cancel(&requests[i]);
        MPI_Waitall((int)posted, requests, MPI_STATUSES_IGNORE);
    } else {
        code = MPI_Waitall((int)posted, requests, statuses);
        if (code == MPI_ERR_IN_STATUS) {
            /* The first request's own error says what went wrong (a truncation, a dead peer). */
            for (int64_t i = 0; i < posted; i++) {
                if (statuses[i].MPI_ERROR != MPI_SUCCESS && statuses[i].MPI_ERROR != MPI_ERR_PENDING) {
                    code = statuses[i].MPI_ERROR;
                    break;
                }
            }
        }
        for (int64_t i = 0; i < receives && code == MPI_SUCCESS; i++) {
            code = check_length(&statuses[i], part(receive_bytes, i * part_elements));
        }
    }
    free(requests);
    free(statuses);
    return code;
}
