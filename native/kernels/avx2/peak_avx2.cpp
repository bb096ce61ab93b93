// The AVX2 FMA loop of measure_peak (kernels/peak.h): 12 independent ymm chains.
#include <immintrin.h>

#include "avx2.h"

namespace shapca::avx2 {

double fma_loop(int64_t iters) {
  __m256 acc[12];
  for (int r = 0; r < 12; ++r) acc[r] = _mm256_set1_ps(static_cast<float>(r));
  const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(1e-3f);
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 12
    for (int r = 0; r < 12; ++r) acc[r] = _mm256_fmadd_ps(acc[r], a, b);
  }
  __m256 s = acc[0];
  for (int r = 1; r < 12; ++r) s = _mm256_add_ps(s, acc[r]);
  volatile float sink = _mm256_cvtss_f32(s);
  (void)sink;
  return 2.0 * 8 * 12 * static_cast<double>(iters);
}

}  // namespace shapca::avx2
