#ifndef SYNAPSE_CMPI_SHIM_H
#define SYNAPSE_CMPI_SHIM_H
#include <mpi.h>
#endif
