#include "pooling.h"

#include <cmath>

#include "rows.h"

namespace shapca {

namespace {
Status check(const char* what, const float* w, int64_t b, int64_t t) {
  for (int64_t i = 0; i < b * t; ++i) {
    if (!(w[i] >= 0.0f) || !std::isfinite(w[i])) {
      return fail(Status::invalid_argument, "%s: expected finite weights >= 0 but w[%lld] = %g", what,
                  static_cast<long long>(i), w[i]);
    }
  }
  return Status::ok;
}

double weight_sum(const float* w, int64_t t) {
  double s = 0.0;
  for (int64_t i = 0; i < t; ++i) s += w[i];
  return s;
}
}  // namespace

Status mean_pool_forward(float* out, const float* x, const float* w, int64_t b, int64_t t, int64_t c) {
  if (Status s = check_rows("mean_pool_forward", b, t * c, out, x, w); s != Status::ok) return s;
  if (b * t > 0) {
    if (Status s = check("mean_pool_forward", w, b, t); s != Status::ok) return s;
  }
  return for_rows(b, t * c, [&](int64_t bi) {
    float* o = out + bi * c;
    for (int64_t j = 0; j < c; ++j) o[j] = 0.0f;
    const double total = weight_sum(w + bi * t, t);
    if (total == 0.0) return;
    for (int64_t ti = 0; ti < t; ++ti) {
      const float wt = static_cast<float>(w[bi * t + ti] / total);
      if (wt == 0.0f) continue;
      const float* row = x + (bi * t + ti) * c;
      for (int64_t j = 0; j < c; ++j) o[j] += wt * row[j];
    }
  });
}

Status mean_pool_backward(float* dx, const float* dout, const float* w, int64_t b, int64_t t, int64_t c) {
  if (Status s = check_rows("mean_pool_backward", b, t * c, dx, dout, w); s != Status::ok) return s;
  if (b * t > 0) {
    if (Status s = check("mean_pool_backward", w, b, t); s != Status::ok) return s;
  }
  return for_rows(b, t * c, [&](int64_t bi) {
    const double total = weight_sum(w + bi * t, t);
    if (total == 0.0) return;
    const float* g = dout + bi * c;
    for (int64_t ti = 0; ti < t; ++ti) {
      const float wt = static_cast<float>(w[bi * t + ti] / total);
      if (wt == 0.0f) continue;
      float* row = dx + (bi * t + ti) * c;
      for (int64_t j = 0; j < c; ++j) row[j] += wt * g[j];
    }
  });
}

}  // namespace shapca
