// Small helpers of the AVX-512 low-precision units (only included by files of this folder, which
// are all compiled with the same instruction-set flags, so their inline copies are identical).
#pragma once
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "../avx512/vmath512.h"  // lanes(), prefetch_rows(), and the GCC 12 warning pragma of the AVX-512 units

namespace shapca::avx512_lowp {

using avx512::lanes;
using avx512::prefetch_rows;

// One 32-bit word of row memory (a bf16 pair, a byte quad), read without an aliasing cast.
static inline int32_t word(const void* p) {
  int32_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

// acc += a·b as one in-place instruction. GCC 12 keeps the accumulator arrays of the tiles in
// registers for vfmadd but not for the vpdpbusd / vdpbf16ps builtins: it copied every accumulator
// through a spare register (and the stack) each step, which halved the tiles' speed.
static inline void dot_u8s8(__m512i& acc, __m512i a_u8, __m512i b_s8) {
  __asm__("vpdpbusd %[b], %[a], %[acc]" : [acc] "+v"(acc) : [a] "v"(a_u8), [b] "v"(b_s8));
}
static inline void dot_bf16(__m512& acc, __m512i a_pairs, __m512i b_pairs) {
  __asm__("vdpbf16ps %[b], %[a], %[acc]" : [acc] "+v"(acc) : [a] "v"(a_pairs), [b] "v"(b_pairs));
}

}  // namespace shapca::avx512_lowp
