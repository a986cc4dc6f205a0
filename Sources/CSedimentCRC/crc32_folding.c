// CRC-32 by folding with carry-less multiplication, after Gopal, Ozturk et al., "Fast CRC
// Computation for Generic Polynomials Using PCLMULQDQ Instruction" (Intel, 2009). Each
// 128-bit lane is multiplied by x^k mod P for the distance it is folded over, so that the
// CRC of a megabyte costs a few hundred multiplications instead of a table lookup a byte.
// The constants are the paper's for the reflected IEEE polynomial P = 0x104C11DB7.
#include "sediment_crc32.h"

#if defined(__x86_64__)
#include <immintrin.h>

int sediment_crc32_folding_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}

#define FOLDING __attribute__((target("pclmul,sse4.1")))

// x^(4*128+32) and x^(4*128-32) mod P: folds a lane over the other three (64 bytes).
static const uint64_t fold_by_4[2] __attribute__((aligned(16))) = {0x0154442bd4, 0x01c6e41596};
// x^(128+32) and x^(128-32) mod P: folds a lane onto the next one (16 bytes).
static const uint64_t fold_by_1[2] __attribute__((aligned(16))) = {0x01751997d0, 0x00ccaa009e};
// x^64 mod P, for the 128 to 64 bit step.
static const uint64_t fold_64[2] __attribute__((aligned(16))) = {0x0163cd6124, 0};
// P and its Barrett constant floor(x^64 / P), for the last 64 to 32 bit step.
static const uint64_t barrett[2] __attribute__((aligned(16))) = {0x01db710641, 0x01f7011641};

FOLDING static inline __m128i fold(__m128i lane, __m128i constants, __m128i next) {
    __m128i low = _mm_clmulepi64_si128(lane, constants, 0x00);
    __m128i high = _mm_clmulepi64_si128(lane, constants, 0x11);
    return _mm_xor_si128(_mm_xor_si128(low, high), next);
}

FOLDING uint32_t sediment_crc32_folded(uint32_t crc, const uint8_t *bytes, size_t length) {
    __m128i lane0 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)bytes), _mm_cvtsi32_si128((int)crc));
    __m128i lane1 = _mm_loadu_si128((const __m128i *)(bytes + 16));
    __m128i lane2 = _mm_loadu_si128((const __m128i *)(bytes + 32));
    __m128i lane3 = _mm_loadu_si128((const __m128i *)(bytes + 48));
    bytes += 64;
    length -= 64;

    __m128i constants = _mm_load_si128((const __m128i *)fold_by_4);
    for (; length >= 64; bytes += 64, length -= 64) {
        lane0 = fold(lane0, constants, _mm_loadu_si128((const __m128i *)bytes));
        lane1 = fold(lane1, constants, _mm_loadu_si128((const __m128i *)(bytes + 16)));
        lane2 = fold(lane2, constants, _mm_loadu_si128((const __m128i *)(bytes + 32)));
        lane3 = fold(lane3, constants, _mm_loadu_si128((const __m128i *)(bytes + 48)));
    }

    constants = _mm_load_si128((const __m128i *)fold_by_1);
    __m128i value = fold(lane0, constants, lane1);
    value = fold(value, constants, lane2);
    value = fold(value, constants, lane3);
    for (; length >= 16; bytes += 16, length -= 16) {
        value = fold(value, constants, _mm_loadu_si128((const __m128i *)bytes));
    }

    // 128 bits to 64: the low half times x^(128-32) mod P, onto the high half.
    const __m128i low32 = _mm_setr_epi32(~0, 0, ~0, 0);
    value = _mm_xor_si128(_mm_srli_si128(value, 8), _mm_clmulepi64_si128(value, constants, 0x10));
    // 64 bits to 32 more: the low 32 bits times x^64 mod P, onto the rest.
    __m128i shifted = _mm_srli_si128(value, 4);
    value = _mm_clmulepi64_si128(_mm_and_si128(value, low32), _mm_load_si128((const __m128i *)fold_64), 0x00);
    value = _mm_xor_si128(value, shifted);

    // Barrett reduction to the 32-bit remainder.
    const __m128i polynomial = _mm_load_si128((const __m128i *)barrett);
    __m128i quotient = _mm_clmulepi64_si128(_mm_and_si128(value, low32), polynomial, 0x10);
    __m128i product = _mm_clmulepi64_si128(_mm_and_si128(quotient, low32), polynomial, 0x00);
    value = _mm_xor_si128(value, product);
    return (uint32_t)_mm_extract_epi32(value, 1);
}

#else
int sediment_crc32_folding_available(void) { return 0; }
uint32_t sediment_crc32_folded(uint32_t crc, const uint8_t *bytes, size_t length) { (void)bytes; (void)length; return crc; }
#endif
