// AVX-512 Shapley ratio scans (the softmax-expectation utility): the 16 games of a block are two
// zmm vectors of doubles; same contract and same arithmetic order per lane as
// avx2/shapley_avx2.cpp, so both paths give bit-identical results.
#include <immintrin.h>

#include "avx512.h"

namespace shapca::avx512 {

namespace {
constexpr int kLanes = 16;
}  // namespace

void shapley_scan_ratio(double* x, const double* num, const double* den, const double* off, const int32_t* perm,
                        int64_t k, double scale) {
  const __m512d vs = _mm512_set1_pd(scale);
  __m512d a[2], b[2], prev[2], o[2];
  for (int q = 0; q < 2; ++q) {
    a[q] = b[q] = prev[q] = _mm512_setzero_pd();
    o[q] = _mm512_loadu_pd(off + 8 * q);
  }
  for (int64_t t = 0; t < k; ++t) {
    const int64_t p = perm[t];
    const double* nr = num + p * kLanes;
    const double* dr = den + p * kLanes;
    double* xr = x + p * kLanes;
    for (int q = 0; q < 2; ++q) {
      a[q] = _mm512_add_pd(a[q], _mm512_loadu_pd(nr + 8 * q));
      b[q] = _mm512_add_pd(b[q], _mm512_loadu_pd(dr + 8 * q));
      const __m512d v = _mm512_add_pd(o[q], _mm512_div_pd(a[q], b[q]));
      _mm512_storeu_pd(xr + 8 * q, _mm512_fmadd_pd(vs, _mm512_sub_pd(v, prev[q]), _mm512_loadu_pd(xr + 8 * q)));
      prev[q] = v;
    }
  }
}

void shapley_scan_ratio_backward(double* ds, double* work, const double* dx, const double* num, const double* den,
                                 const double* st, const int32_t* perm, int64_t k, double inv_tau) {
  double* vt = work;               // (k,16) ṽ_t
  double* ib = work + k * kLanes;  // (k,16) 1/B_t
  const __m512d one = _mm512_set1_pd(1.0), it = _mm512_set1_pd(inv_tau);
  __m512d a[2], b[2];
  for (int q = 0; q < 2; ++q) a[q] = b[q] = _mm512_setzero_pd();
  for (int64_t t = 0; t < k; ++t) {
    const int64_t p = perm[t];
    for (int q = 0; q < 2; ++q) {
      a[q] = _mm512_add_pd(a[q], _mm512_loadu_pd(num + p * kLanes + 8 * q));
      b[q] = _mm512_add_pd(b[q], _mm512_loadu_pd(den + p * kLanes + 8 * q));
      const __m512d inv = _mm512_div_pd(one, b[q]);
      _mm512_storeu_pd(ib + t * kLanes + 8 * q, inv);
      _mm512_storeu_pd(vt + t * kLanes + 8 * q, _mm512_mul_pd(a[q], inv));
    }
  }
  __m512d r1[2], r2[2], next[2];
  for (int q = 0; q < 2; ++q) r1[q] = r2[q] = next[q] = _mm512_setzero_pd();
  for (int64_t t = k - 1; t >= 0; --t) {
    const int64_t p = perm[t];
    for (int q = 0; q < 2; ++q) {
      const __m512d dd = _mm512_loadu_pd(dx + p * kLanes + 8 * q);
      const __m512d dv = _mm512_sub_pd(dd, next[q]);
      next[q] = dd;
      const __m512d g = _mm512_mul_pd(dv, _mm512_loadu_pd(ib + t * kLanes + 8 * q));
      r1[q] = _mm512_add_pd(r1[q], g);
      r2[q] = _mm512_fmadd_pd(g, _mm512_loadu_pd(vt + t * kLanes + 8 * q), r2[q]);
      // w·(r1 + (s̃·r1 − r2)/tau)
      const __m512d inner = _mm512_fmsub_pd(_mm512_loadu_pd(st + p * kLanes + 8 * q), r1[q], r2[q]);
      const __m512d grad = _mm512_mul_pd(_mm512_loadu_pd(den + p * kLanes + 8 * q), _mm512_fmadd_pd(inner, it, r1[q]));
      double* out = ds + p * kLanes + 8 * q;
      _mm512_storeu_pd(out, _mm512_add_pd(_mm512_loadu_pd(out), grad));
    }
  }
}

}  // namespace shapca::avx512
