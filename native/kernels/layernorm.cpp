#include "layernorm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "../core/cpu.h"
#include "avx2/avx2.h"
#include "rows.h"

namespace shapca {

namespace {

void layernorm_row_scalar(float* out, float* mean, float* rstd, const float* x, const float* w, const float* b,
                          int64_t n, float eps) {
  float s = 0.0f;
  for (int64_t i = 0; i < n; ++i) s += x[i];
  const float mu = s / static_cast<float>(n);
  float var = 0.0f;
  for (int64_t i = 0; i < n; ++i) var += (x[i] - mu) * (x[i] - mu);
  var /= static_cast<float>(n);
  const float rs = 1.0f / std::sqrt(var + eps);
  for (int64_t i = 0; i < n; ++i) out[i] = (x[i] - mu) * rs * w[i] + b[i];
  *mean = mu;
  *rstd = rs;
}

void layernorm_backward_row_scalar(float* dx, float* dw, float* db, const float* dy, const float* x, const float* w,
                                   float mean, float rstd, int64_t n) {
  float dn = 0.0f, dnn = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    float norm = (x[i] - mean) * rstd, dnorm = dy[i] * w[i];
    dn += dnorm;
    dnn += dnorm * norm;
  }
  dn /= static_cast<float>(n);
  dnn /= static_cast<float>(n);
  for (int64_t i = 0; i < n; ++i) {
    float norm = (x[i] - mean) * rstd, dnorm = dy[i] * w[i];
    dx[i] += (dnorm - dn - norm * dnn) * rstd;
    if (dw) dw[i] += norm * dy[i];
    if (db) db[i] += dy[i];
  }
}

}  // namespace

Status layernorm_forward(float* out, float* mean, float* rstd, const float* inp, const float* weight,
                         const float* bias, int64_t n, int64_t c, float eps) {
  if (Status s = check_rows("layernorm_forward", n, c, out, mean, rstd, inp, weight, bias); s != Status::ok) return s;
  if (!(eps >= 0.0f)) return fail(Status::invalid_argument, "layernorm_forward: expected eps >= 0 but received %g", eps);
  const bool avx = use_avx2();
  return for_rows(n, c, [&](int64_t r) {
    if (avx) {
      avx2::layernorm_row(out + r * c, mean + r, rstd + r, inp + r * c, weight, bias, c, eps);
    } else {
      layernorm_row_scalar(out + r * c, mean + r, rstd + r, inp + r * c, weight, bias, c, eps);
    }
  });
}

Status layernorm_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                          const float* weight, const float* mean, const float* rstd, int64_t n, int64_t c) {
  if (Status s = check_rows("layernorm_backward", n, c, dinp, dout, inp, weight, mean, rstd); s != Status::ok) return s;
  if (n == 0 || c == 0) return Status::ok;
  const bool avx = use_avx2();
  // Each chunk of rows sums dweight/dbias into its own buffer; the chunks are added in order,
  // so the result does not depend on scheduling.
  ThreadPool& pool = ThreadPool::global();
  const int64_t chunks = (n * c < kParallelElements) ? 1 : std::min<int64_t>(pool.threads(), n);
  std::vector<float> partial(static_cast<size_t>(chunks * 2 * c), 0.0f);
  Status st = pool.run(chunks, [&](int64_t k, int) {
    float* dw = dweight ? partial.data() + k * 2 * c : nullptr;
    float* db = dbias ? partial.data() + k * 2 * c + c : nullptr;
    for (int64_t r = n * k / chunks; r < n * (k + 1) / chunks; ++r) {
      if (avx) {
        avx2::layernorm_backward_row(dinp + r * c, dw, db, dout + r * c, inp + r * c, weight, mean[r], rstd[r], c);
      } else {
        layernorm_backward_row_scalar(dinp + r * c, dw, db, dout + r * c, inp + r * c, weight, mean[r], rstd[r], c);
      }
    }
  });
  if (st != Status::ok) return st;
  for (int64_t k = 0; k < chunks; ++k) {
    for (int64_t i = 0; i < c; ++i) {
      if (dweight) dweight[i] += partial[k * 2 * c + i];
      if (dbias) dbias[i] += partial[k * 2 * c + c + i];
    }
  }
  return Status::ok;
}

}  // namespace shapca
