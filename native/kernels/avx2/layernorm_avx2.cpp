#include "avx2.h"
#include "vmath.h"

namespace shapca::avx2 {

// The two sums run in four independent accumulators, 32 floats a step: one chain of dependent
// adds made the row cost its latency (4 cycles a vector), a third of the time of a BERT or ViT
// LayerNorm.
void layernorm_row(float* out, float* mean, float* rstd, const float* x, const float* w, const float* b, int64_t n,
                   float eps) {
  __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm256_add_ps(s0, _mm256_loadu_ps(x + i));
    s1 = _mm256_add_ps(s1, _mm256_loadu_ps(x + i + 8));
    s2 = _mm256_add_ps(s2, _mm256_loadu_ps(x + i + 16));
    s3 = _mm256_add_ps(s3, _mm256_loadu_ps(x + i + 24));
  }
  for (; i + 8 <= n; i += 8) s0 = _mm256_add_ps(s0, _mm256_loadu_ps(x + i));
  float s = hsum(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
  for (; i < n; ++i) s += x[i];
  const float mu = s / static_cast<float>(n);
  const __m256 vmu = _mm256_set1_ps(mu);
  __m256 v0 = _mm256_setzero_ps(), v1 = v0, v2 = v0, v3 = v0;
  for (i = 0; i + 32 <= n; i += 32) {
    const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(x + i), vmu), d1 = _mm256_sub_ps(_mm256_loadu_ps(x + i + 8), vmu);
    const __m256 d2 = _mm256_sub_ps(_mm256_loadu_ps(x + i + 16), vmu), d3 = _mm256_sub_ps(_mm256_loadu_ps(x + i + 24), vmu);
    v0 = _mm256_fmadd_ps(d0, d0, v0);
    v1 = _mm256_fmadd_ps(d1, d1, v1);
    v2 = _mm256_fmadd_ps(d2, d2, v2);
    v3 = _mm256_fmadd_ps(d3, d3, v3);
  }
  for (; i + 8 <= n; i += 8) {
    const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + i), vmu);
    v0 = _mm256_fmadd_ps(d, d, v0);
  }
  float var = hsum(_mm256_add_ps(_mm256_add_ps(v0, v1), _mm256_add_ps(v2, v3)));
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
