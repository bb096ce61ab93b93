#include "avx2.h"
#include "vmath.h"

namespace shapca::avx2 {

namespace {
// Lanes of mask[i..i+8) that are zero, as an all-ones float mask.
inline __m256 masked_lanes(const uint8_t* mask, int64_t i) {
  __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(mask + i));
  __m256i lanes = _mm256_cvtepu8_epi32(bytes);
  return _mm256_castsi256_ps(_mm256_cmpeq_epi32(lanes, _mm256_setzero_si256()));
}
}  // namespace

void softmax_row(float* out, const float* x, const uint8_t* mask, int64_t n, float scale) {
  const __m256 vscale = _mm256_set1_ps(scale);
  const __m256 neg_inf = _mm256_set1_ps(-__builtin_inff());
  __m256 vmax = neg_inf;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + i), vscale);
    if (mask) v = _mm256_blendv_ps(v, neg_inf, masked_lanes(mask, i));
    vmax = _mm256_max_ps(vmax, v);
  }
  float mx = hmax(vmax);
  for (; i < n; ++i) {
    if (mask && !mask[i]) continue;
    float v = x[i] * scale;
    mx = v > mx ? v : mx;
  }
  if (mx == -__builtin_inff()) {  // every entry masked
    for (int64_t j = 0; j < n; ++j) out[j] = 0.0f;
    return;
  }
  const __m256 vmx = _mm256_set1_ps(mx);
  __m256 vsum = _mm256_setzero_ps();
  float tail[8];
  for (i = 0; i + 8 <= n; i += 8) {
    __m256 e = exp256(_mm256_fmsub_ps(_mm256_loadu_ps(x + i), vscale, vmx));
    if (mask) e = _mm256_andnot_ps(masked_lanes(mask, i), e);
    _mm256_storeu_ps(out + i, e);
    vsum = _mm256_add_ps(vsum, e);
  }
  float sum = hsum(vsum);
  if (i < n) {  // tail through the same vector exp, so both paths round alike
    int64_t rest = n - i;
    for (int64_t j = 0; j < 8; ++j) tail[j] = j < rest ? x[i + j] * scale - mx : -100.0f;
    _mm256_storeu_ps(tail, exp256(_mm256_loadu_ps(tail)));
    for (int64_t j = 0; j < rest; ++j) {
      float e = (mask && !mask[i + j]) ? 0.0f : tail[j];
      out[i + j] = e;
      sum += e;
    }
  }
  const __m256 inv = _mm256_set1_ps(1.0f / sum);
  for (i = 0; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_loadu_ps(out + i), inv));
  for (; i < n; ++i) out[i] *= 1.0f / sum;
}

void softmax_backward_row(float* dx, const float* y, const float* dy, int64_t n, float scale) {
  __m256 vdot = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) vdot = _mm256_fmadd_ps(_mm256_loadu_ps(y + i), _mm256_loadu_ps(dy + i), vdot);
  float dot = hsum(vdot);
  for (; i < n; ++i) dot += y[i] * dy[i];
  const __m256 vd = _mm256_set1_ps(dot), vs = _mm256_set1_ps(scale);
  for (i = 0; i + 8 <= n; i += 8) {
    __m256 g = _mm256_mul_ps(_mm256_loadu_ps(y + i), _mm256_sub_ps(_mm256_loadu_ps(dy + i), vd));
    _mm256_storeu_ps(dx + i, _mm256_fmadd_ps(g, vs, _mm256_loadu_ps(dx + i)));
  }
  for (; i < n; ++i) dx[i] += scale * y[i] * (dy[i] - dot);
}

}  // namespace shapca::avx2
