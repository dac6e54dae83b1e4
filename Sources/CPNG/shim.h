#ifndef SYNAPSE_CPNG_SHIM_H
#define SYNAPSE_CPNG_SHIM_H
#include <png.h>
#endif
