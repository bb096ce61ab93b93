// The AVX-512 FMA loop of measure_peak (kernels/peak.h): 24 independent zmm chains, as many as
// the SGEMM micro-kernel's accumulators.
#include <immintrin.h>

#include "avx512.h"

namespace shapca::avx512 {

double fma_loop(int64_t iters) {
  __m512 acc[24];
  for (int r = 0; r < 24; ++r) acc[r] = _mm512_set1_ps(static_cast<float>(r));
  const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(1e-3f);
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 24
    for (int r = 0; r < 24; ++r) acc[r] = _mm512_fmadd_ps(acc[r], a, b);
  }
  __m512 s = acc[0];
  for (int r = 1; r < 24; ++r) s = _mm512_add_ps(s, acc[r]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, s);
  volatile float sink = lanes[0];
  (void)sink;
  return 2.0 * 16 * 24 * static_cast<double>(iters);
}

}  // namespace shapca::avx512
