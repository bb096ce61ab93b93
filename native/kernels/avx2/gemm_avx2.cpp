// AVX2/FMA 6×16 SGEMM micro-kernel: 12 ymm accumulators, two B loads and six A broadcasts
// per k step (the register tile of BLIS's Haswell sgemm).
#include <immintrin.h>

#include "avx2.h"

namespace shapca::avx2 {

void sgemm_micro_6x16(int64_t kc, const float* a, const float* b, float* c, int64_t ldc) {
  // C is read once at the end; fetch it now so that an L3-resident tile costs no stall.
  for (int r = 0; r < 6; ++r) {
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + 15), _MM_HINT_T0);
  }
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();

#define SHAPCA_STEP(P)                                             \
  {                                                                \
    const __m256 b0 = _mm256_load_ps(b + (P) * 16);                \
    const __m256 b1 = _mm256_load_ps(b + (P) * 16 + 8);            \
    __m256 av = _mm256_broadcast_ss(a + (P) * 6 + 0);              \
    c00 = _mm256_fmadd_ps(av, b0, c00);                            \
    c01 = _mm256_fmadd_ps(av, b1, c01);                            \
    av = _mm256_broadcast_ss(a + (P) * 6 + 1);                     \
    c10 = _mm256_fmadd_ps(av, b0, c10);                            \
    c11 = _mm256_fmadd_ps(av, b1, c11);                            \
    av = _mm256_broadcast_ss(a + (P) * 6 + 2);                     \
    c20 = _mm256_fmadd_ps(av, b0, c20);                            \
    c21 = _mm256_fmadd_ps(av, b1, c21);                            \
    av = _mm256_broadcast_ss(a + (P) * 6 + 3);                     \
    c30 = _mm256_fmadd_ps(av, b0, c30);                            \
    c31 = _mm256_fmadd_ps(av, b1, c31);                            \
    av = _mm256_broadcast_ss(a + (P) * 6 + 4);                     \
    c40 = _mm256_fmadd_ps(av, b0, c40);                            \
    c41 = _mm256_fmadd_ps(av, b1, c41);                            \
    av = _mm256_broadcast_ss(a + (P) * 6 + 5);                     \
    c50 = _mm256_fmadd_ps(av, b0, c50);                            \
    c51 = _mm256_fmadd_ps(av, b1, c51);                            \
  }

  int64_t p = 0;
  for (; p + 4 <= kc; p += 4) {
    _mm_prefetch(reinterpret_cast<const char*>(b + 64 * 4), _MM_HINT_T0);
    SHAPCA_STEP(0)
    SHAPCA_STEP(1)
    SHAPCA_STEP(2)
    SHAPCA_STEP(3)
    a += 24;
    b += 64;
  }
  for (; p < kc; ++p) {
    SHAPCA_STEP(0)
    a += 6;
    b += 16;
  }
#undef SHAPCA_STEP

#define SHAPCA_ADD_ROW(R, X0, X1)                                                     \
  {                                                                                   \
    float* row = c + (R) * ldc;                                                       \
    _mm256_storeu_ps(row, _mm256_add_ps(_mm256_loadu_ps(row), X0));                   \
    _mm256_storeu_ps(row + 8, _mm256_add_ps(_mm256_loadu_ps(row + 8), X1));           \
  }
  SHAPCA_ADD_ROW(0, c00, c01)
  SHAPCA_ADD_ROW(1, c10, c11)
  SHAPCA_ADD_ROW(2, c20, c21)
  SHAPCA_ADD_ROW(3, c30, c31)
  SHAPCA_ADD_ROW(4, c40, c41)
  SHAPCA_ADD_ROW(5, c50, c51)
#undef SHAPCA_ADD_ROW
}

}  // namespace shapca::avx2
