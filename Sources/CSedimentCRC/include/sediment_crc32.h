#ifndef SEDIMENT_CRC32_H
#define SEDIMENT_CRC32_H
#include <stddef.h>
#include <stdint.h>

/// Whether this CPU can run `sediment_crc32_folded` (PCLMULQDQ and SSE4.1).
int sediment_crc32_folding_available(void);

/// CRC-32 (IEEE, reflected, as zlib's crc32) of `length` bytes, folding 64 bytes at a time
/// with carry-less multiplication. `length` must be at least 64 and a multiple of 16.
/// `crc` and the result are the raw register: invert before and after, as zlib does.
uint32_t sediment_crc32_folded(uint32_t crc, const uint8_t *bytes, size_t length);

/// CRC-32 (the same) of `length` bytes of any length, a byte at a time: for the tail the
/// folding leaves. `crc` and the result are the raw register, as above.
uint32_t sediment_crc32_bytes(uint32_t crc, const uint8_t *bytes, size_t length);
#endif
