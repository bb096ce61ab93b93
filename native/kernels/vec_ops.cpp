#include "vec_ops.h"

#include <cmath>
#include <cstring>

#include "../core/cpu.h"
#include "avx2/avx2.h"
#include "rows.h"

namespace shapca {

Status add_to(float* y, const float* x, int64_t n) {
  const bool avx = use_avx2();
  return for_spans(n, [&](int64_t b, int64_t e) {
    if (avx) {
      avx2::add_inplace(y + b, x + b, e - b);
    } else {
      for (int64_t i = b; i < e; ++i) y[i] += x[i];
    }
  });
}

Status zero(float* y, int64_t n) {
  return for_spans(n, [&](int64_t b, int64_t e) { std::memset(y + b, 0, static_cast<size_t>(e - b) * sizeof(float)); });
}

Status copy_to(float* y, const float* x, int64_t n) {
  return for_spans(n, [&](int64_t b, int64_t e) {
    std::memcpy(y + b, x + b, static_cast<size_t>(e - b) * sizeof(float));
  });
}

Status tanh_forward(float* y, const float* x, int64_t n) {
  return for_spans(n, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] = std::tanh(x[i]);
  });
}

Status tanh_backward(float* dx, const float* y, const float* dy, int64_t n) {
  return for_spans(n, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) dx[i] += dy[i] * (1.0f - y[i] * y[i]);
  });
}

}  // namespace shapca
