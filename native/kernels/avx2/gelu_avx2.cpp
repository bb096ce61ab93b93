#include "avx2.h"
#include "vmath.h"

namespace shapca::avx2 {

namespace {
constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;
constexpr float kQuick = 1.702f;

// Loads x[i..i+count) into a vector, padding with zeros (for the tail).
inline __m256 load_partial(const float* x, int64_t count) {
  float buf[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int64_t j = 0; j < count; ++j) buf[j] = x[j];
  return _mm256_loadu_ps(buf);
}
inline void store_partial(float* y, __m256 v, int64_t count) {
  float buf[8];
  _mm256_storeu_ps(buf, v);
  for (int64_t j = 0; j < count; ++j) y[j] = buf[j];
}

inline __m256 gelu(__m256 x) {
  const __m256 cdf = _mm256_mul_ps(_mm256_set1_ps(0.5f),
                                   _mm256_add_ps(_mm256_set1_ps(1.0f), erf256(_mm256_mul_ps(x, _mm256_set1_ps(kInvSqrt2)))));
  return _mm256_mul_ps(x, cdf);
}
// d gelu / dx = Φ(x) + x·φ(x)
inline __m256 gelu_grad(__m256 x) {
  const __m256 cdf = _mm256_mul_ps(_mm256_set1_ps(0.5f),
                                   _mm256_add_ps(_mm256_set1_ps(1.0f), erf256(_mm256_mul_ps(x, _mm256_set1_ps(kInvSqrt2)))));
  const __m256 pdf = _mm256_mul_ps(_mm256_set1_ps(kInvSqrt2Pi),
                                   exp256(_mm256_mul_ps(_mm256_set1_ps(-0.5f), _mm256_mul_ps(x, x))));
  return _mm256_fmadd_ps(x, pdf, cdf);
}
inline __m256 sigmoid_quick(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 e = exp256(_mm256_mul_ps(x, _mm256_set1_ps(-kQuick)));
  return _mm256_div_ps(one, _mm256_add_ps(one, e));
}
inline __m256 quick_gelu(__m256 x) { return _mm256_mul_ps(x, sigmoid_quick(x)); }
// d/dx x·σ(1.702x) = σ + 1.702·x·σ·(1−σ)
inline __m256 quick_gelu_grad(__m256 x) {
  const __m256 s = sigmoid_quick(x);
  const __m256 t = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(kQuick), x), _mm256_sub_ps(_mm256_set1_ps(1.0f), s));
  return _mm256_fmadd_ps(s, t, s);
}

template <__m256 (*F)(__m256)>
void map_forward(float* out, const float* x, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, F(_mm256_loadu_ps(x + i)));
  if (i < n) store_partial(out + i, F(load_partial(x + i, n - i)), n - i);
}
template <__m256 (*G)(__m256)>
void map_backward(float* dx, const float* x, const float* dy, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 g = _mm256_mul_ps(G(_mm256_loadu_ps(x + i)), _mm256_loadu_ps(dy + i));
    _mm256_storeu_ps(dx + i, _mm256_add_ps(_mm256_loadu_ps(dx + i), g));
  }
  if (i < n) {
    int64_t rest = n - i;
    __m256 g = _mm256_mul_ps(G(load_partial(x + i, rest)), load_partial(dy + i, rest));
    store_partial(dx + i, _mm256_add_ps(load_partial(dx + i, rest), g), rest);
  }
}
}  // namespace

void gelu_forward(float* out, const float* x, int64_t n) { map_forward<gelu>(out, x, n); }
void gelu_backward(float* dx, const float* x, const float* dy, int64_t n) { map_backward<gelu_grad>(dx, x, dy, n); }
void quick_gelu_forward(float* out, const float* x, int64_t n) { map_forward<quick_gelu>(out, x, n); }
void quick_gelu_backward(float* dx, const float* x, const float* dy, int64_t n) {
  map_backward<quick_gelu_grad>(dx, x, dy, n);
}

}  // namespace shapca::avx2
