// AVX2 packing of a GEMM panel whose rows must be interleaved: out[p·R + r] = alpha·src[r·ld + p]
// (op(A) without transposition into MR-row panels, op(B) transposed into NR-column panels).
// Eight source rows at a time are read 8 floats wide and transposed in registers (four rows for
// the rest of R); the scalar loop in gemm.cpp did one float per step.
#include <immintrin.h>

#include "avx2.h"

namespace shapca::avx2 {

namespace {

// c0..c3 (in place): per 128-bit half, the 4×4 transpose of rows r0..r3, so that half h of cj
// holds column 4h + j of the four rows.
inline void transpose4x4_halves(__m256& r0, __m256& r1, __m256& r2, __m256& r3) {
  const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
  const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  r0 = _mm256_shuffle_ps(t0, t2, 0x44);
  r1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  r2 = _mm256_shuffle_ps(t1, t3, 0x44);
  r3 = _mm256_shuffle_ps(t1, t3, 0xEE);
}

}  // namespace

void pack_interleaved(float* out, const float* src, int64_t ld, int64_t rows, int64_t kc, float alpha) {
  const __m256 va = _mm256_set1_ps(alpha);
  int64_t p = 0;
  for (; p + 8 <= kc; p += 8) {
    float* o = out + p * rows;
    int64_t r = 0;
    for (; r + 8 <= rows; r += 8) {
      const float* s = src + r * ld + p;
      __m256 a0 = _mm256_mul_ps(va, _mm256_loadu_ps(s)), a1 = _mm256_mul_ps(va, _mm256_loadu_ps(s + ld));
      __m256 a2 = _mm256_mul_ps(va, _mm256_loadu_ps(s + 2 * ld)), a3 = _mm256_mul_ps(va, _mm256_loadu_ps(s + 3 * ld));
      __m256 b0 = _mm256_mul_ps(va, _mm256_loadu_ps(s + 4 * ld)), b1 = _mm256_mul_ps(va, _mm256_loadu_ps(s + 5 * ld));
      __m256 b2 = _mm256_mul_ps(va, _mm256_loadu_ps(s + 6 * ld)), b3 = _mm256_mul_ps(va, _mm256_loadu_ps(s + 7 * ld));
      transpose4x4_halves(a0, a1, a2, a3);
      transpose4x4_halves(b0, b1, b2, b3);
      _mm256_storeu_ps(o + 0 * rows + r, _mm256_permute2f128_ps(a0, b0, 0x20));
      _mm256_storeu_ps(o + 1 * rows + r, _mm256_permute2f128_ps(a1, b1, 0x20));
      _mm256_storeu_ps(o + 2 * rows + r, _mm256_permute2f128_ps(a2, b2, 0x20));
      _mm256_storeu_ps(o + 3 * rows + r, _mm256_permute2f128_ps(a3, b3, 0x20));
      _mm256_storeu_ps(o + 4 * rows + r, _mm256_permute2f128_ps(a0, b0, 0x31));
      _mm256_storeu_ps(o + 5 * rows + r, _mm256_permute2f128_ps(a1, b1, 0x31));
      _mm256_storeu_ps(o + 6 * rows + r, _mm256_permute2f128_ps(a2, b2, 0x31));
      _mm256_storeu_ps(o + 7 * rows + r, _mm256_permute2f128_ps(a3, b3, 0x31));
    }
    for (; r + 4 <= rows; r += 4) {
      const float* s = src + r * ld + p;
      __m256 a0 = _mm256_mul_ps(va, _mm256_loadu_ps(s)), a1 = _mm256_mul_ps(va, _mm256_loadu_ps(s + ld));
      __m256 a2 = _mm256_mul_ps(va, _mm256_loadu_ps(s + 2 * ld)), a3 = _mm256_mul_ps(va, _mm256_loadu_ps(s + 3 * ld));
      transpose4x4_halves(a0, a1, a2, a3);
      const __m256 cols[4] = {a0, a1, a2, a3};
      for (int j = 0; j < 4; ++j) {
        _mm_storeu_ps(o + j * rows + r, _mm256_castps256_ps128(cols[j]));
        _mm_storeu_ps(o + (j + 4) * rows + r, _mm256_extractf128_ps(cols[j], 1));
      }
    }
    for (; r < rows; ++r) {
      for (int64_t j = 0; j < 8; ++j) o[j * rows + r] = alpha * src[r * ld + p + j];
    }
  }
  for (; p < kc; ++p) {
    for (int64_t r = 0; r < rows; ++r) out[p * rows + r] = alpha * src[r * ld + p];
  }
}

}  // namespace shapca::avx2
