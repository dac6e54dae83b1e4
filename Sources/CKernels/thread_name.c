// Names the calling thread for top -H, perf and debuggers (Linux keeps 15 bytes and a NUL).
#define _GNU_SOURCE
#include "CKernels.h"
#include <string.h>
#if defined(__linux__)
#include <pthread.h>
#endif

void syn_set_thread_name(const char *name) {
#if defined(__linux__)
    char shortened[16];
    strncpy(shortened, name, sizeof shortened - 1);
    shortened[sizeof shortened - 1] = '\0';
    pthread_setname_np(pthread_self(), shortened);
#else
    (void)name;
#endif
}
