#include "avx2.h"
#include "vmath.h"

namespace shapca::avx2 {

void add_inplace(float* y, const float* x, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_add_ps(_mm256_loadu_ps(y + i), _mm256_loadu_ps(x + i)));
  for (; i < n; ++i) y[i] += x[i];
}

void adamw(float* p, const float* g, float* m, float* v, int64_t n, float lr, float beta1, float beta2, float eps,
           float weight_decay, float bias_c1, float bias_c2, float grad_scale) {
  const __m256 vb1 = _mm256_set1_ps(beta1), vb1c = _mm256_set1_ps(1.0f - beta1);
  const __m256 vb2 = _mm256_set1_ps(beta2), vb2c = _mm256_set1_ps(1.0f - beta2);
  const __m256 vdecay = _mm256_set1_ps(1.0f - lr * weight_decay), vgs = _mm256_set1_ps(grad_scale);
  const __m256 vstep = _mm256_set1_ps(lr / bias_c1), vc2 = _mm256_set1_ps(1.0f / bias_c2), veps = _mm256_set1_ps(eps);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 gi = _mm256_mul_ps(_mm256_loadu_ps(g + i), vgs);
    __m256 mi = _mm256_fmadd_ps(vb1, _mm256_loadu_ps(m + i), _mm256_mul_ps(vb1c, gi));
    __m256 vi = _mm256_fmadd_ps(vb2, _mm256_loadu_ps(v + i), _mm256_mul_ps(vb2c, _mm256_mul_ps(gi, gi)));
    _mm256_storeu_ps(m + i, mi);
    _mm256_storeu_ps(v + i, vi);
    __m256 denom = _mm256_add_ps(_mm256_sqrt_ps(_mm256_mul_ps(vi, vc2)), veps);
    __m256 pi = _mm256_mul_ps(_mm256_loadu_ps(p + i), vdecay);
    _mm256_storeu_ps(p + i, _mm256_sub_ps(pi, _mm256_div_ps(_mm256_mul_ps(vstep, mi), denom)));
  }
  for (; i < n; ++i) {
    float gi = g[i] * grad_scale;
    m[i] = beta1 * m[i] + (1.0f - beta1) * gi;
    v[i] = beta2 * v[i] + (1.0f - beta2) * gi * gi;
    float denom = __builtin_sqrtf(v[i] / bias_c2) + eps;
    p[i] = p[i] * (1.0f - lr * weight_decay) - (lr / bias_c1) * m[i] / denom;
  }
}

double sum_squares(const float* x, int64_t n) {
  double total = 0.0;
  int64_t i = 0;
  while (i + 8 <= n) {  // float lanes over blocks of ≤ 4096, then double
    __m256 acc = _mm256_setzero_ps();
    int64_t end = i + 4096 < n ? i + 4096 : n;
    for (; i + 8 <= end; i += 8) {
      __m256 xi = _mm256_loadu_ps(x + i);
      acc = _mm256_fmadd_ps(xi, xi, acc);
    }
    total += static_cast<double>(hsum(acc));
  }
  for (; i < n; ++i) total += static_cast<double>(x[i]) * x[i];
  return total;
}

}  // namespace shapca::avx2
