#ifndef SYNAPSE_CDNNL_SHIM_H
#define SYNAPSE_CDNNL_SHIM_H
#include <oneapi/dnnl/dnnl.h>
#endif
