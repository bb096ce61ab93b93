// AVX2 scan for NaN and infinity: the binding checks every input array on the JS thread before a
// call, so this runs at memory speed (32 floats per step, one branch per step).
#include <immintrin.h>

#include "avx2.h"

namespace shapca::avx2 {

bool any_non_finite(const float* x, int64_t n) {
  const __m256i exp = _mm256_set1_epi32(0x7f800000);
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i a = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i)), exp);
    const __m256i b = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i + 8)), exp);
    const __m256i c = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i + 16)), exp);
    const __m256i d = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i + 24)), exp);
    const __m256i hit = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi32(a, exp), _mm256_cmpeq_epi32(b, exp)),
                                        _mm256_or_si256(_mm256_cmpeq_epi32(c, exp), _mm256_cmpeq_epi32(d, exp)));
    if (!_mm256_testz_si256(hit, hit)) return true;
  }
  for (; i < n; ++i) {
    unsigned bits;
    __builtin_memcpy(&bits, x + i, sizeof bits);
    if ((bits & 0x7f800000u) == 0x7f800000u) return true;
  }
  return false;
}

}  // namespace shapca::avx2
