#ifndef SEDIMENT_CZLIB_TEST_SHIM_H
#define SEDIMENT_CZLIB_TEST_SHIM_H
#include <zlib.h>

// zlib's own gzip wrapping (window bits 31), which the product does not use: GzipMember
// writes the header and trailer itself. The tests compare its members with this byte for
// byte. deflateInit2 is a macro and does not import into Swift.
static inline int sediment_deflate_init_gzip(z_streamp strm, int level) {
    return deflateInit2(strm, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
}
#endif
