// Vector math for the AVX-512 units: lane masks, the prefetch of a tile's C rows, exp (avx2/vmath.h's Cephes polynomial on 16
// lanes, 2^n applied by vscalefps) and erf (a rational approximation, below). Divisions are vrcp14ps refined
// by one Newton step: a zmm division costs here about as much as the rest of an erf.
// static inline: each AVX-512 unit gets its own copy, never shared with other code.
#pragma once
#include <immintrin.h>

#include <cstdint>

// GCC 12's AVX-512 headers build their "undefined" vectors as `__Y = __Y`, which its own
// -Wuninitialized then reports in masked operations and reductions; the values are never read.
// The AVX-512 units that do vector math say it here once.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace shapca::avx512 {

// The mask of the first n of 16 lanes (n clamped to [0, 16]).
static inline __mmask16 lanes(int64_t n) {
  return n >= 16 ? static_cast<__mmask16>(0xffff) : n <= 0 ? static_cast<__mmask16>(0) : static_cast<__mmask16>((1u << n) - 1u);
}

// Fetches the R rows × 32 floats of C that a register tile will add its sums to, at the start of
// its products, so that C in L2 or L3 costs no stall at the store.
template <int R>
static inline void prefetch_rows(const float* c, int64_t ldc) {
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r) {
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + 31), _MM_HINT_T0);
  }
}

// e^x for x ≤ 88.38, which is all a softmax passes once the row's maximum is subtracted (x ≤ 0):
// only the lower clamp (e^-87.34 ≈ 1.2e-38 for anything smaller, −∞ included).
static inline __m512 exp512(__m512 x) {
  x = _mm512_max_ps(x, _mm512_set1_ps(-87.3365447504f));
  const __m512 fx = _mm512_roundscale_ps(_mm512_fmadd_ps(x, _mm512_set1_ps(1.44269504088896341f), _mm512_set1_ps(0.5f)),
                                         _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  x = _mm512_fnmadd_ps(fx, _mm512_set1_ps(0.693359375f), x);
  x = _mm512_fnmadd_ps(fx, _mm512_set1_ps(-2.12194440e-4f), x);
  const __m512 z = _mm512_mul_ps(x, x);
  __m512 y = _mm512_set1_ps(1.9875691500e-4f);
  y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(1.3981999507e-3f));
  y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(8.3334519073e-3f));
  y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(4.1665795894e-2f));
  y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(1.6666665459e-1f));
  y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(5.0000001201e-1f));
  y = _mm512_fmadd_ps(y, z, x);
  y = _mm512_add_ps(y, _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(y, fx);
}

// 1/d for finite d with 2^-126 < |d| < 2^126: vrcp14ps and one Newton step (relative error ~2^-28).
static inline __m512 reciprocal512(__m512 d) {
  const __m512 r = _mm512_rcp14_ps(d);
  return _mm512_mul_ps(r, _mm512_fnmadd_ps(d, r, _mm512_set1_ps(2.0f)));
}

// erf(x) = x·P(x²)/Q(x²) on x clamped to [-4, 4] (erf(4) is 1 − 1.5e-8): the rational
// approximation of Eigen's and XLA's fast float erf, |error| < 4e-7 (A&S 7.1.26, the AVX2
// kernel's, gives 5e-7 in float and needs an exp). Q(x²) ≤ −0.0142 never vanishes; NaN stays NaN.
static inline __m512 erf512(__m512 x) {
  x = _mm512_max_ps(_mm512_min_ps(x, _mm512_set1_ps(4.0f)), _mm512_set1_ps(-4.0f));
  const __m512 x2 = _mm512_mul_ps(x, x);
  __m512 p = _mm512_fmadd_ps(x2, _mm512_set1_ps(-2.72614225801306e-10f), _mm512_set1_ps(2.77068142495902e-08f));
  p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-2.10102402082508e-06f));
  p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-5.69250639462346e-05f));
  p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-7.34990630326855e-04f));
  p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-2.95459980854025e-03f));
  p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-1.60960333262415e-02f));
  __m512 q = _mm512_fmadd_ps(x2, _mm512_set1_ps(-1.45660718464996e-05f), _mm512_set1_ps(-2.13374055278905e-04f));
  q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(-1.68282697438203e-03f));
  q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(-7.37332916720468e-03f));
  q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(-1.42647390514189e-02f));
  return _mm512_mul_ps(_mm512_mul_ps(x, p), reciprocal512(q));
}

// gelu(x) = x·Φ(x) = ½x·(1 + erf(x/√2))
static inline __m512 gelu512(__m512 x) {
  const __m512 half_x = _mm512_mul_ps(_mm512_set1_ps(0.5f), x);
  return _mm512_fmadd_ps(half_x, erf512(_mm512_mul_ps(x, _mm512_set1_ps(0.70710678118654752f))), half_x);
}

}  // namespace shapca::avx512
