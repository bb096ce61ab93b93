// AVX2/FMA Shapley scans: the 16 games of a block are four ymm vectors of doubles, so a step of
// the permutation (one player joins the prefix) updates every game's running sums at once.
#include <immintrin.h>

#include "shapley_avx2.h"

namespace shapca::avx2 {

namespace {
constexpr int kLanes = 16;

static inline double hsum_pd(__m256d v) {
  __m128d lo = _mm256_castpd256_pd128(v), hi = _mm256_extractf128_pd(v, 1);
  lo = _mm_add_pd(lo, hi);
  return _mm_cvtsd_f64(_mm_add_sd(lo, _mm_unpackhi_pd(lo, lo)));
}
}  // namespace

void shapley_scan_ratio(double* x, const double* num, const double* den, const double* off, const int32_t* perm,
                        int64_t k, double scale) {
  const __m256d vs = _mm256_set1_pd(scale);
  __m256d a[4], b[4], prev[4], o[4];
  for (int q = 0; q < 4; ++q) {
    a[q] = b[q] = prev[q] = _mm256_setzero_pd();
    o[q] = _mm256_loadu_pd(off + 4 * q);
  }
  for (int64_t t = 0; t < k; ++t) {
    const int64_t p = perm[t];
    const double* nr = num + p * kLanes;
    const double* dr = den + p * kLanes;
    double* xr = x + p * kLanes;
    for (int q = 0; q < 4; ++q) {
      a[q] = _mm256_add_pd(a[q], _mm256_loadu_pd(nr + 4 * q));
      b[q] = _mm256_add_pd(b[q], _mm256_loadu_pd(dr + 4 * q));
      const __m256d v = _mm256_add_pd(o[q], _mm256_div_pd(a[q], b[q]));
      _mm256_storeu_pd(xr + 4 * q, _mm256_fmadd_pd(vs, _mm256_sub_pd(v, prev[q]), _mm256_loadu_pd(xr + 4 * q)));
      prev[q] = v;
    }
  }
}

void shapley_scan_linear(double* x, const double* num, const double* c, const int32_t* perm, int64_t k, double scale) {
  const __m256d vs = _mm256_set1_pd(scale);
  __m256d acc[4], prev[4];
  for (int q = 0; q < 4; ++q) acc[q] = prev[q] = _mm256_setzero_pd();
  for (int64_t t = 0; t < k; ++t) {
    const int64_t p = perm[t];
    const double* nr = num + p * kLanes;
    double* xr = x + p * kLanes;
    const __m256d ct = _mm256_set1_pd(c[t]);
    for (int q = 0; q < 4; ++q) {
      acc[q] = _mm256_add_pd(acc[q], _mm256_loadu_pd(nr + 4 * q));
      const __m256d v = _mm256_mul_pd(ct, acc[q]);
      _mm256_storeu_pd(xr + 4 * q, _mm256_fmadd_pd(vs, _mm256_sub_pd(v, prev[q]), _mm256_loadu_pd(xr + 4 * q)));
      prev[q] = v;
    }
  }
}

void shapley_scan_ratio_backward(double* ds, double* work, const double* dx, const double* num, const double* den,
                                 const double* st, const int32_t* perm, int64_t k, double inv_tau) {
  double* vt = work;              // (k,16) ṽ_t
  double* ib = work + k * kLanes;  // (k,16) 1/B_t
  const __m256d one = _mm256_set1_pd(1.0), it = _mm256_set1_pd(inv_tau);
  __m256d a[4], b[4];
  for (int q = 0; q < 4; ++q) a[q] = b[q] = _mm256_setzero_pd();
  for (int64_t t = 0; t < k; ++t) {
    const int64_t p = perm[t];
    for (int q = 0; q < 4; ++q) {
      a[q] = _mm256_add_pd(a[q], _mm256_loadu_pd(num + p * kLanes + 4 * q));
      b[q] = _mm256_add_pd(b[q], _mm256_loadu_pd(den + p * kLanes + 4 * q));
      const __m256d inv = _mm256_div_pd(one, b[q]);
      _mm256_storeu_pd(ib + t * kLanes + 4 * q, inv);
      _mm256_storeu_pd(vt + t * kLanes + 4 * q, _mm256_mul_pd(a[q], inv));
    }
  }
  __m256d r1[4], r2[4], next[4];
  for (int q = 0; q < 4; ++q) r1[q] = r2[q] = next[q] = _mm256_setzero_pd();
  for (int64_t t = k - 1; t >= 0; --t) {
    const int64_t p = perm[t];
    for (int q = 0; q < 4; ++q) {
      const __m256d dd = _mm256_loadu_pd(dx + p * kLanes + 4 * q);
      const __m256d dv = _mm256_sub_pd(dd, next[q]);
      next[q] = dd;
      const __m256d g = _mm256_mul_pd(dv, _mm256_loadu_pd(ib + t * kLanes + 4 * q));
      r1[q] = _mm256_add_pd(r1[q], g);
      r2[q] = _mm256_fmadd_pd(g, _mm256_loadu_pd(vt + t * kLanes + 4 * q), r2[q]);
      // w·(r1 + (s̃·r1 − r2)/tau)
      const __m256d inner = _mm256_fmsub_pd(_mm256_loadu_pd(st + p * kLanes + 4 * q), r1[q], r2[q]);
      const __m256d grad = _mm256_mul_pd(_mm256_loadu_pd(den + p * kLanes + 4 * q), _mm256_fmadd_pd(inner, it, r1[q]));
      double* out = ds + p * kLanes + 4 * q;
      _mm256_storeu_pd(out, _mm256_add_pd(_mm256_loadu_pd(out), grad));
    }
  }
}

void shapley_scan_linear_backward(double* ds, double* dc, double* work, const double* dx, const double* num,
                                  const double* c, const int32_t* perm, int64_t k) {
  double* nt = work;  // (k,16) N_t
  __m256d acc[4];
  for (int q = 0; q < 4; ++q) acc[q] = _mm256_setzero_pd();
  for (int64_t t = 0; t < k; ++t) {
    const int64_t p = perm[t];
    for (int q = 0; q < 4; ++q) {
      acc[q] = _mm256_add_pd(acc[q], _mm256_loadu_pd(num + p * kLanes + 4 * q));
      _mm256_storeu_pd(nt + t * kLanes + 4 * q, acc[q]);
    }
  }
  __m256d r[4], next[4];
  for (int q = 0; q < 4; ++q) r[q] = next[q] = _mm256_setzero_pd();
  for (int64_t t = k - 1; t >= 0; --t) {
    const int64_t p = perm[t];
    const __m256d ct = _mm256_set1_pd(c[t]);
    __m256d dcv = _mm256_setzero_pd();
    for (int q = 0; q < 4; ++q) {
      const __m256d dd = _mm256_loadu_pd(dx + p * kLanes + 4 * q);
      const __m256d dv = _mm256_sub_pd(dd, next[q]);
      next[q] = dd;
      r[q] = _mm256_fmadd_pd(dv, ct, r[q]);
      dcv = _mm256_fmadd_pd(dv, _mm256_loadu_pd(nt + t * kLanes + 4 * q), dcv);
      double* out = ds + p * kLanes + 4 * q;
      _mm256_storeu_pd(out, _mm256_add_pd(_mm256_loadu_pd(out), r[q]));
    }
    dc[t] += hsum_pd(dcv);
  }
}

}  // namespace shapca::avx2
