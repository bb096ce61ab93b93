#include "softmax.h"

#include <cmath>

#include "../core/cpu.h"
#include "../core/thread_pool.h"
#include "avx2/avx2.h"
#include "rows.h"

namespace shapca {

namespace {

void softmax_row_scalar(float* out, const float* x, const uint8_t* mask, int64_t n, float scale) {
  float mx = -INFINITY;
  for (int64_t i = 0; i < n; ++i) {
    if (!mask || mask[i]) mx = std::fmax(mx, x[i] * scale);
  }
  if (mx == -INFINITY) {
    for (int64_t i = 0; i < n; ++i) out[i] = 0.0f;
    return;
  }
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    out[i] = (!mask || mask[i]) ? std::exp(x[i] * scale - mx) : 0.0f;
    sum += out[i];
  }
  for (int64_t i = 0; i < n; ++i) out[i] /= sum;
}

void softmax_backward_row_scalar(float* dx, const float* y, const float* dy, int64_t n, float scale) {
  float dot = 0.0f;
  for (int64_t i = 0; i < n; ++i) dot += y[i] * dy[i];
  for (int64_t i = 0; i < n; ++i) dx[i] += scale * y[i] * (dy[i] - dot);
}

}  // namespace

Status softmax_forward(float* out, const float* inp, const uint8_t* mask, int64_t rows, int64_t cols, float scale) {
  if (Status s = check_rows("softmax_forward", rows, cols, out, inp); s != Status::ok) return s;
  const bool avx = use_avx2();
  return for_rows(rows, cols, [&](int64_t r) {
    const uint8_t* m = mask ? mask + r * cols : nullptr;
    if (avx) {
      avx2::softmax_row(out + r * cols, inp + r * cols, m, cols, scale);
    } else {
      softmax_row_scalar(out + r * cols, inp + r * cols, m, cols, scale);
    }
  });
}

Status softmax_backward(float* dinp, const float* dout, const float* out, int64_t rows, int64_t cols, float scale) {
  if (Status s = check_rows("softmax_backward", rows, cols, dinp, dout, out); s != Status::ok) return s;
  const bool avx = use_avx2();
  return for_rows(rows, cols, [&](int64_t r) {
    const int64_t o = r * cols;
    if (avx) {
      avx2::softmax_backward_row(dinp + o, out + o, dout + o, cols, scale);
    } else {
      softmax_backward_row_scalar(dinp + o, out + o, dout + o, cols, scale);
    }
  });
}

}  // namespace shapca
