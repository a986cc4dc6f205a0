#ifndef SEDIMENT_CLIBDEFLATE_SHIM_H
#define SEDIMENT_CLIBDEFLATE_SHIM_H
#include <libdeflate.h>
#endif
