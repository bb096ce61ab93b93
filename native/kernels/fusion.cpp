#include "fusion.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "layernorm.h"
#include "rows.h"

namespace shapca {

namespace {
inline float sigmoid(float z) { return 1.0f / (1.0f + std::exp(-z)); }
}  // namespace

Status fusion_gate_forward(float* out, float* g, float* mean, float* rstd, const float* h, const float* a,
                           const float* gate_pre, const float* ln_w, const float* ln_b, const uint8_t* has_image,
                           int64_t b, int64_t t, int64_t c, float eps) {
  if (Status s = check_rows("fusion_gate_forward", b * t, c, out, g, mean, rstd, h, a, gate_pre, ln_w, ln_b);
      s != Status::ok) {
    return s;
  }
  if (b < 0 || t < 0) return fail(Status::invalid_argument, "fusion_gate_forward: expected B, T >= 0");
  // One sample per task: gate and residual into out (as x), then LayerNorm in place.
  return for_rows(b, t * c, [&](int64_t bi) {
    const int64_t o = bi * t * c;
    if (has_image && !has_image[bi]) {
      std::memcpy(out + o, h + o, static_cast<size_t>(t * c) * sizeof(float));
      std::fill(g + o, g + o + t * c, 0.0f);
      std::fill(mean + bi * t, mean + (bi + 1) * t, 0.0f);
      std::fill(rstd + bi * t, rstd + (bi + 1) * t, 0.0f);
      return;
    }
    for (int64_t i = o; i < o + t * c; ++i) {
      g[i] = sigmoid(gate_pre[i]);
      out[i] = h[i] + g[i] * a[i];
    }
    layernorm_forward(out + o, mean + bi * t, rstd + bi * t, out + o, ln_w, ln_b, t, c, eps);
  });
}

Status fusion_gate_backward(float* dh, float* da, float* dgate_pre, float* dln_w, float* dln_b, const float* dout,
                            const float* h, const float* a, const float* g, const float* mean, const float* rstd,
                            const float* ln_w, const uint8_t* has_image, int64_t b, int64_t t, int64_t c) {
  if (Status s = check_rows("fusion_gate_backward", b * t, c, dh, da, dgate_pre, dout, h, a, g, mean, rstd, ln_w);
      s != Status::ok) {
    return s;
  }
  if (b < 0 || t < 0) return fail(Status::invalid_argument, "fusion_gate_backward: expected B, T >= 0");
  if (b * t * c == 0) return Status::ok;
  std::vector<float> x(static_cast<size_t>(b * t * c)), dx(static_cast<size_t>(b * t * c), 0.0f);
  std::vector<uint8_t> rows(static_cast<size_t>(b), 1);
  for (int64_t bi = 0; bi < b; ++bi) rows[bi] = has_image ? has_image[bi] != 0 : 1;
  // x is recomputed (cheaper than saving it); LayerNorm backward runs over the fused samples only.
  for (int64_t bi = 0; bi < b; ++bi) {
    const int64_t o = bi * t * c;
    if (!rows[bi]) continue;
    for (int64_t i = o; i < o + t * c; ++i) x[i] = h[i] + g[i] * a[i];
  }
  for (int64_t bi = 0; bi < b; ++bi) {
    if (!rows[bi]) continue;
    const int64_t o = bi * t * c;
    Status s = layernorm_backward(dx.data() + o, dln_w, dln_b, dout + o, x.data() + o, ln_w, mean + bi * t,
                                  rstd + bi * t, t, c);
    if (s != Status::ok) return s;
  }
  return for_rows(b, t * c, [&](int64_t bi) {
    const int64_t o = bi * t * c;
    if (!rows[bi]) {
      for (int64_t i = o; i < o + t * c; ++i) dh[i] += dout[i];
      return;
    }
    for (int64_t i = o; i < o + t * c; ++i) {
      dh[i] += dx[i];
      da[i] += g[i] * dx[i];
      dgate_pre[i] += dx[i] * a[i] * g[i] * (1.0f - g[i]);
    }
  });
}

}  // namespace shapca
