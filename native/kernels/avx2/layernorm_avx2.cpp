#include "avx2.h"
#include "vmath.h"

namespace shapca::avx2 {

void layernorm_row(float* out, float* mean, float* rstd, const float* x, const float* w, const float* b, int64_t n,
                   float eps) {
  __m256 vs = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) vs = _mm256_add_ps(vs, _mm256_loadu_ps(x + i));
  float s = hsum(vs);
  for (; i < n; ++i) s += x[i];
  const float mu = s / static_cast<float>(n);
  const __m256 vmu = _mm256_set1_ps(mu);
  __m256 vv = _mm256_setzero_ps();
  for (i = 0; i + 8 <= n; i += 8) {
    __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + i), vmu);
    vv = _mm256_fmadd_ps(d, d, vv);
  }
  float var = hsum(vv);
  for (; i < n; ++i) var += (x[i] - mu) * (x[i] - mu);
  var /= static_cast<float>(n);
  const float rs = 1.0f / __builtin_sqrtf(var + eps);
  const __m256 vr = _mm256_set1_ps(rs);
  for (i = 0; i + 8 <= n; i += 8) {
    __m256 norm = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmu), vr);
    _mm256_storeu_ps(out + i, _mm256_fmadd_ps(norm, _mm256_loadu_ps(w + i), _mm256_loadu_ps(b + i)));
  }
  for (; i < n; ++i) out[i] = (x[i] - mu) * rs * w[i] + b[i];
  *mean = mu;
  *rstd = rs;
}

void layernorm_backward_row(float* dx, float* dw, float* db, const float* dy, const float* x, const float* w,
                            float mean, float rstd, int64_t n) {
  const __m256 vmu = _mm256_set1_ps(mean), vr = _mm256_set1_ps(rstd);
  __m256 vdn = _mm256_setzero_ps(), vdnn = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 norm = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmu), vr);
    __m256 dnorm = _mm256_mul_ps(_mm256_loadu_ps(dy + i), _mm256_loadu_ps(w + i));
    vdn = _mm256_add_ps(vdn, dnorm);
    vdnn = _mm256_fmadd_ps(dnorm, norm, vdnn);
  }
  float dn = hsum(vdn), dnn = hsum(vdnn);
  for (; i < n; ++i) {
    float norm = (x[i] - mean) * rstd, dnorm = dy[i] * w[i];
    dn += dnorm;
    dnn += dnorm * norm;
  }
  dn /= static_cast<float>(n);
  dnn /= static_cast<float>(n);
  const __m256 vdnm = _mm256_set1_ps(dn), vdnnm = _mm256_set1_ps(dnn);
  for (i = 0; i + 8 <= n; i += 8) {
    __m256 g = _mm256_loadu_ps(dy + i);
    __m256 norm = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmu), vr);
    __m256 dnorm = _mm256_mul_ps(g, _mm256_loadu_ps(w + i));
    __m256 t = _mm256_fnmadd_ps(norm, vdnnm, _mm256_sub_ps(dnorm, vdnm));
    _mm256_storeu_ps(dx + i, _mm256_fmadd_ps(t, vr, _mm256_loadu_ps(dx + i)));
    if (dw) _mm256_storeu_ps(dw + i, _mm256_fmadd_ps(norm, g, _mm256_loadu_ps(dw + i)));
    if (db) _mm256_storeu_ps(db + i, _mm256_add_ps(g, _mm256_loadu_ps(db + i)));
  }
  for (; i < n; ++i) {
    float norm = (x[i] - mean) * rstd, dnorm = dy[i] * w[i];
    dx[i] += (dnorm - dn - norm * dnn) * rstd;
    if (dw) dw[i] += norm * dy[i];
    if (db) db[i] += dy[i];
  }
}

}  // namespace shapca::avx2
