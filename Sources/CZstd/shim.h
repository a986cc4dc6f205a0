#ifndef SEDIMENT_CZSTD_SHIM_H
#define SEDIMENT_CZSTD_SHIM_H
#include <zstd.h>
#include <zstd_errors.h>
#endif
