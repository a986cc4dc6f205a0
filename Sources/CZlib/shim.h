#ifndef SEDIMENT_CZLIB_SHIM_H
#define SEDIMENT_CZLIB_SHIM_H
#include <zlib.h>

// deflateInit2 and inflateInit2 are macros and do not import into Swift.

static inline int sediment_inflate_init_gzip(z_streamp strm) {
    return inflateInit2(strm, 31);
}
#endif
