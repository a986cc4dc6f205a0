#ifndef SEDIMENT_CZLIB_SHIM_H
#define SEDIMENT_CZLIB_SHIM_H
#include <zlib.h>

// deflateInit2 and inflateInit2 are macros and do not import into Swift.

// Raw deflate: the gzip header and trailer are written by GzipMember, with its own CRC.
static inline int sediment_deflate_init_raw(z_streamp strm, int level) {
    return deflateInit2(strm, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
}

static inline int sediment_inflate_init_gzip(z_streamp strm) {
    return inflateInit2(strm, 31);
}
#endif
