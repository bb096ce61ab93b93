#include "vec_ops.h"

#include <cmath>
#include <cstring>

#include "../core/cpu.h"
#include "avx2/avx2.h"
#include "rows.h"

namespace shapca {

namespace {
// A row at a time: the rows are few and short (one per sample), so each is one small call.
template <typename RowOp>
Status by_rows(const char* what, float* dst, int64_t ld_dst, const float* src, int64_t ld_src, int64_t rows, int64_t c,
               RowOp op) {
  if (rows < 0 || c < 0 || ld_dst < c || ld_src < c) {
    return fail(Status::invalid_argument, "%s: expected rows, c >= 0 and strides >= c", what);
  }
  for (int64_t r = 0; r < rows; ++r) SHAPCA_TRY(op(dst + r * ld_dst, src + r * ld_src, c));
  return Status::ok;
}
}  // namespace

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

Status rows_copy(float* dst, int64_t ld_dst, const float* src, int64_t ld_src, int64_t rows, int64_t c) {
  return by_rows("rows_copy", dst, ld_dst, src, ld_src, rows, c, copy_to);
}

Status rows_add(float* dst, int64_t ld_dst, const float* src, int64_t ld_src, int64_t rows, int64_t c) {
  return by_rows("rows_add", dst, ld_dst, src, ld_src, rows, c, add_to);
}

}  // namespace shapca
