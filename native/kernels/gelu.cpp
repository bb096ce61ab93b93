#include "gelu.h"

#include <cmath>

#include "../core/cpu.h"
#include "avx2/avx2.h"
#include "avx512/avx512.h"
#include "rows.h"

namespace shapca {

namespace {
constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;
constexpr float kQuick = 1.702f;

inline float gelu(float x) { return 0.5f * x * (1.0f + std::erf(x * kInvSqrt2)); }
inline float gelu_grad(float x) {
  return 0.5f * (1.0f + std::erf(x * kInvSqrt2)) + x * kInvSqrt2Pi * std::exp(-0.5f * x * x);
}
inline float quick_gelu(float x) { return x / (1.0f + std::exp(-kQuick * x)); }
inline float quick_gelu_grad(float x) {
  float s = 1.0f / (1.0f + std::exp(-kQuick * x));
  return s + kQuick * x * s * (1.0f - s);
}

using VecBackward = void (*)(float*, const float*, const float*, int64_t);

template <float (*G)(float)>
Status map_backward(const char* what, float* dinp, const float* inp, const float* dout, int64_t n, VecBackward vec) {
  if (Status s = check_rows(what, 1, n, dinp, inp, dout); s != Status::ok) return s;
  const bool avx = use_avx2();
  return for_spans(n, [&](int64_t b, int64_t e) {
    if (avx) {
      vec(dinp + b, inp + b, dout + b, e - b);
    } else {
      for (int64_t i = b; i < e; ++i) dinp[i] += dout[i] * G(inp[i]);
    }
  });
}
}  // namespace

void activation_span(Activation a, float* out, const float* inp, int64_t n) {
  const bool quick = a == Activation::quick_gelu;
  if (use_avx2()) {
    (quick ? avx2::quick_gelu_forward : use_avx512() ? avx512::gelu_forward : avx2::gelu_forward)(out, inp, n);
    return;
  }
  for (int64_t i = 0; i < n; ++i) out[i] = quick ? quick_gelu(inp[i]) : gelu(inp[i]);
}

Status activation_forward(Activation a, float* out, const float* inp, int64_t n) {
  const char* what = a == Activation::quick_gelu ? "quick_gelu_forward" : "gelu_forward";
  if (Status s = check_rows(what, 1, n, out, inp); s != Status::ok) return s;
  return for_spans(n, [&](int64_t b, int64_t e) { activation_span(a, out + b, inp + b, e - b); });
}

Status gelu_forward(float* out, const float* inp, int64_t n) { return activation_forward(Activation::gelu, out, inp, n); }
Status gelu_backward(float* dinp, const float* inp, const float* dout, int64_t n) {
  return map_backward<gelu_grad>("gelu_backward", dinp, inp, dout, n, avx2::gelu_backward);
}
Status quick_gelu_forward(float* out, const float* inp, int64_t n) {
  return activation_forward(Activation::quick_gelu, out, inp, n);
}
Status quick_gelu_backward(float* dinp, const float* inp, const float* dout, int64_t n) {
  return map_backward<quick_gelu_grad>("quick_gelu_backward", dinp, inp, dout, n, avx2::quick_gelu_backward);
}

}  // namespace shapca
