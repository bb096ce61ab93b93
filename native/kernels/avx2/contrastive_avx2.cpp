// AVX2/FMA helpers of the contrastive kernels: vectorised row normalisation and a double exp for
// the softmax-expectation weights.
#include <immintrin.h>

#include "contrastive_avx2.h"
#include "vmath.h"

namespace shapca::avx2 {

namespace {
// Σ a·b over n floats, four 8-lane accumulators, summed in double.
inline double dot(const float* a, const float* b, int64_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
    s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
  }
  for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
  double sum = static_cast<double>(hsum(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3))));
  for (; i < n; ++i) sum += static_cast<double>(a[i]) * b[i];
  return sum;
}
}  // namespace

float l2_normalize_row(float* out, const float* x, int64_t d) {
  const double sq = dot(x, x, d);
  // sq > 0 and finite (NaN fails the first test, +inf the second)
  const float inv = (sq > 0.0 && sq < 1.0e308) ? static_cast<float>(1.0 / __builtin_sqrt(sq)) : 0.0f;
  const __m256 vi = _mm256_set1_ps(inv);
  int64_t i = 0;
  for (; i + 8 <= d; i += 8) _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), vi));
  for (; i < d; ++i) out[i] = x[i] * inv;
  return inv;
}

float l2_inv_norm_row(const float* x, int64_t d) {
  const double sq = dot(x, x, d);
  return (sq > 0.0 && sq < 1.0e308) ? static_cast<float>(1.0 / __builtin_sqrt(sq)) : 0.0f;
}

void sub_scaled_row(float* y, float a, const float* x, int64_t d) {
  const __m256 va = _mm256_set1_ps(a);
  int64_t i = 0;
  for (; i + 8 <= d; i += 8) _mm256_storeu_ps(y + i, _mm256_fnmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  for (; i < d; ++i) y[i] -= a * x[i];
}

void exp_nonpositive(double* out, const double* x, int64_t n) {
  const __m256d log2e = _mm256_set1_pd(1.4426950408889634), ln2_hi = _mm256_set1_pd(6.93147180369123816490e-01),
                ln2_lo = _mm256_set1_pd(1.90821492927058770002e-10), lo = _mm256_set1_pd(-708.0);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m256d v = _mm256_max_pd(_mm256_loadu_pd(x + i), lo);
    const __m256d k = _mm256_round_pd(_mm256_mul_pd(v, log2e), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m256d r = _mm256_fnmadd_pd(k, ln2_lo, _mm256_fnmadd_pd(k, ln2_hi, v));  // |r| ≤ ln2/2
    __m256d p = _mm256_set1_pd(1.0 / 39916800.0);                                    // 1/11!
    const double coef[] = {1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 720.0,
                           1.0 / 120.0,     1.0 / 24.0,     1.0 / 6.0,     0.5,          1.0, 1.0};
    for (double c : coef) p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(c));
    __m256i e = _mm256_cvtepi32_epi64(_mm256_cvtpd_epi32(k));
    e = _mm256_slli_epi64(_mm256_add_epi64(e, _mm256_set1_epi64x(1023)), 52);
    _mm256_storeu_pd(out + i, _mm256_mul_pd(p, _mm256_castsi256_pd(e)));
  }
  if (i < n) {  // tail through the same vector code
    double buf[4] = {0.0, 0.0, 0.0, 0.0};
    for (int64_t j = 0; j < n - i; ++j) buf[j] = x[i + j];
    exp_nonpositive(buf, buf, 4);
    for (int64_t j = 0; j < n - i; ++j) out[i + j] = buf[j];
  }
}

}  // namespace shapca::avx2
