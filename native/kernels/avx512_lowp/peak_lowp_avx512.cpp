// The bf16 and int8 loops of measure_peak (kernels/peak.h): 24 independent zmm chains of
// vdpbf16ps (16 lanes × 2 products) or vpdpbusd (16 lanes × 4 products), as in the linear tiles.
#include <immintrin.h>

#include "avx512_lowp.h"

namespace shapca::avx512_lowp {

double bf16_dot_loop(int64_t iters) {
  __m512 acc[24];
  for (int r = 0; r < 24; ++r) acc[r] = _mm512_set1_ps(static_cast<float>(r));
  const __m512bh a = (__m512bh)_mm512_set1_epi32(0x3f803f80), b = (__m512bh)_mm512_set1_epi32(0x3a833a83);
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 24
    for (int r = 0; r < 24; ++r) acc[r] = _mm512_dpbf16_ps(acc[r], a, b);
  }
  __m512 s = acc[0];
  for (int r = 1; r < 24; ++r) s = _mm512_add_ps(s, acc[r]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, s);
  volatile float sink = lanes[0];
  (void)sink;
  return 2.0 * 32 * 24 * static_cast<double>(iters);
}

double int8_dot_loop(int64_t iters) {
  __m512i acc[24];
  for (int r = 0; r < 24; ++r) acc[r] = _mm512_set1_epi32(r);
  const __m512i a = _mm512_set1_epi32(0x01010101), b = _mm512_set1_epi32(0x01ff01ff);
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 24
    for (int r = 0; r < 24; ++r) acc[r] = _mm512_dpbusd_epi32(acc[r], a, b);
  }
  __m512i s = acc[0];
  for (int r = 1; r < 24; ++r) s = _mm512_add_epi32(s, acc[r]);
  alignas(64) int32_t lanes[16];
  _mm512_store_si512(lanes, s);
  volatile int32_t sink = lanes[0];
  (void)sink;
  return 2.0 * 64 * 24 * static_cast<double>(iters);
}

}  // namespace shapca::avx512_lowp
