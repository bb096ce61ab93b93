#include "adamw.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "../core/cpu.h"
#include "avx2/avx2.h"
#include "rows.h"

namespace shapca {

Status adamw_step(float* params, const float* grads, float* m, float* v, int64_t n, const AdamWConfig& cfg) {
  if (Status s = check_rows("adamw_step", 1, n, params, grads, m, v); s != Status::ok) return s;
  if (cfg.step < 1) {
    return fail(Status::invalid_argument, "adamw_step: expected step >= 1 but received %lld",
                static_cast<long long>(cfg.step));
  }
  if (!(cfg.lr >= 0.0f) || !(cfg.beta1 >= 0.0f && cfg.beta1 < 1.0f) || !(cfg.beta2 >= 0.0f && cfg.beta2 < 1.0f) ||
      !(cfg.eps > 0.0f) || !(cfg.weight_decay >= 0.0f) || !std::isfinite(cfg.grad_scale)) {
    return fail(Status::invalid_argument,
                "adamw_step: expected lr >= 0, 0 <= beta1, beta2 < 1, eps > 0, weight_decay >= 0 and a finite "
                "grad_scale but received lr=%g beta1=%g beta2=%g eps=%g weight_decay=%g grad_scale=%g",
                cfg.lr, cfg.beta1, cfg.beta2, cfg.eps, cfg.weight_decay, cfg.grad_scale);
  }
  const float c1 = static_cast<float>(1.0 - std::pow(static_cast<double>(cfg.beta1), static_cast<double>(cfg.step)));
  const float c2 = static_cast<float>(1.0 - std::pow(static_cast<double>(cfg.beta2), static_cast<double>(cfg.step)));
  const bool avx = use_avx2();
  return for_spans(n, [&](int64_t b, int64_t e) {
    if (avx) {
      avx2::adamw(params + b, grads + b, m + b, v + b, e - b, cfg.lr, cfg.beta1, cfg.beta2, cfg.eps,
                  cfg.weight_decay, c1, c2, cfg.grad_scale);
      return;
    }
    for (int64_t i = b; i < e; ++i) {
      float g = grads[i] * cfg.grad_scale;
      m[i] = cfg.beta1 * m[i] + (1.0f - cfg.beta1) * g;
      v[i] = cfg.beta2 * v[i] + (1.0f - cfg.beta2) * g * g;
      float denom = std::sqrt(v[i] / c2) + cfg.eps;
      params[i] = params[i] * (1.0f - cfg.lr * cfg.weight_decay) - (cfg.lr / c1) * m[i] / denom;
    }
  });
}

Status grad_norm(const float* grads, int64_t n, double* norm) {
  if (Status s = check_rows("grad_norm", 1, n, grads, norm); s != Status::ok) return s;
  if (n == 0) {
    *norm = 0.0;
    return Status::ok;
  }
  const bool avx = use_avx2();
  // Fixed chunks summed in order: the same result whatever the thread count.
  const int64_t chunk = 1 << 16;
  const int64_t chunks = (n + chunk - 1) / chunk;
  std::vector<double> partial(static_cast<size_t>(chunks), 0.0);
  Status st = ThreadPool::global().run(chunks, [&](int64_t k, int) {
    const int64_t b = k * chunk, e = std::min(n, b + chunk);
    if (avx) {
      partial[k] = avx2::sum_squares(grads + b, e - b);
    } else {
      double acc = 0.0;
      for (int64_t i = b; i < e; ++i) acc += static_cast<double>(grads[i]) * grads[i];
      partial[k] = acc;
    }
  });
  if (st != Status::ok) return st;
  double total = 0.0;
  for (double p : partial) total += p;
  *norm = std::sqrt(total);
  return Status::ok;
}

}  // namespace shapca
