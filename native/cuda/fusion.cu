// The fusion gate's tail: one warp per token row (gate, residual, LayerNorm in place; the
// pass-through for samples without an image), and its backward with the LayerNorm parameter
// gradients as column sums over the fused rows.
#include <initializer_list>

#include "heads.h"
#include "launch.cuh"

namespace shapca::cuda {

namespace {

constexpr int kWarps = kBlock / 32;
constexpr int64_t kRowsPerChunk = 128;

__global__ void fusion_forward_kernel(float* out, float* g, float* mean, float* rstd, const float* h, const float* a,
                                      const float* gate_pre, const float* ln_w, const float* ln_b,
                                      const uint8_t* has_image, int64_t rows, int64_t t, int64_t c, float eps) {
  const int lane = threadIdx.x & 31;
  for (int64_t r = blockIdx.x * static_cast<int64_t>(kWarps) + (threadIdx.x >> 5); r < rows;
       r += static_cast<int64_t>(gridDim.x) * kWarps) {
    const int64_t o = r * c;
    if (has_image && !has_image[r / t]) {
      for (int64_t i = lane; i < c; i += 32) out[o + i] = h[o + i], g[o + i] = 0.0f;
      if (lane == 0) mean[r] = 0.0f, rstd[r] = 0.0f;
      continue;
    }
    float s = 0.0f;
    for (int64_t i = lane; i < c; i += 32) {
      const float gi = 1.0f / (1.0f + expf(-gate_pre[o + i]));
      g[o + i] = gi;
      out[o + i] = h[o + i] + gi * a[o + i];
      s += out[o + i];
    }
    const float mu = warp_sum(s) / static_cast<float>(c);
    float v = 0.0f;
    for (int64_t i = lane; i < c; i += 32) v += (out[o + i] - mu) * (out[o + i] - mu);
    const float rs = 1.0f / sqrtf(warp_sum(v) / static_cast<float>(c) + eps);
    for (int64_t i = lane; i < c; i += 32) out[o + i] = (out[o + i] - mu) * rs * ln_w[i] + ln_b[i];
    if (lane == 0) mean[r] = mu, rstd[r] = rs;
  }
}

__global__ void fusion_backward_kernel(float* dh, float* da, float* dgate_pre, const float* dout, const float* h,
                                       const float* a, const float* g, const float* mean, const float* rstd,
                                       const float* ln_w, const uint8_t* has_image, int64_t rows, int64_t t, int64_t c) {
  const int lane = threadIdx.x & 31;
  for (int64_t r = blockIdx.x * static_cast<int64_t>(kWarps) + (threadIdx.x >> 5); r < rows;
       r += static_cast<int64_t>(gridDim.x) * kWarps) {
    const int64_t o = r * c;
    if (has_image && !has_image[r / t]) {
      for (int64_t i = lane; i < c; i += 32) dh[o + i] += dout[o + i];
      continue;
    }
    const float mu = mean[r], rs = rstd[r];
    float dn = 0.0f, dnn = 0.0f;
    for (int64_t i = lane; i < c; i += 32) {
      const float x = h[o + i] + g[o + i] * a[o + i];
      const float norm = (x - mu) * rs, dnorm = dout[o + i] * ln_w[i];
      dn += dnorm;
      dnn += dnorm * norm;
    }
    dn = warp_sum(dn) / static_cast<float>(c);
    dnn = warp_sum(dnn) / static_cast<float>(c);
    for (int64_t i = lane; i < c; i += 32) {
      const float x = h[o + i] + g[o + i] * a[o + i];
      const float norm = (x - mu) * rs, dnorm = dout[o + i] * ln_w[i];
      const float dx = (dnorm - dn - norm * dnn) * rs, gi = g[o + i];
      dh[o + i] += dx;
      da[o + i] += gi * dx;
      dgate_pre[o + i] += dx * a[o + i] * gi * (1.0f - gi);
    }
  }
}

__global__ void fusion_params_kernel(float* dln_w, float* dln_b, const float* dout, const float* h, const float* a,
                                     const float* g, const float* mean, const float* rstd, const uint8_t* has_image,
                                     int64_t rows, int64_t t, int64_t c) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i >= c) return;
  const int64_t r0 = blockIdx.y * kRowsPerChunk, r1 = r0 + kRowsPerChunk < rows ? r0 + kRowsPerChunk : rows;
  float dw = 0.0f, db = 0.0f;
  for (int64_t r = r0; r < r1; ++r) {
    if (has_image && !has_image[r / t]) continue;
    const int64_t e = r * c + i;
    const float x = h[e] + g[e] * a[e];
    dw += dout[e] * (x - mean[r]) * rstd[r];
    db += dout[e];
  }
  if (dln_w) atomicAdd(dln_w + i, dw);
  if (dln_b) atomicAdd(dln_b + i, db);
}

Status check_args(const char* what, int64_t b, int64_t t, int64_t c, std::initializer_list<const void*> ptrs) {
  if (b < 0 || t < 0 || c < 0) {
    return fail(Status::invalid_argument, "%s: expected B, T, C >= 0", what);
  }
  if (b * t > 0 && c > 0) {
    for (const void* p : ptrs) {
      if (p == nullptr) return fail(Status::invalid_argument, "%s: a required buffer is null", what);
    }
  }
  return Status::ok;
}

}  // namespace

Status fusion_gate_forward(float* out, float* g, float* mean, float* rstd, const float* h, const float* a,
                           const float* gate_pre, const float* ln_w, const float* ln_b, const uint8_t* has_image,
                           int64_t b, int64_t t, int64_t c, float eps) {
  const char* what = "fusion_gate_forward";
  if (Status s = check_args(what, b, t, c, {out, g, mean, rstd, h, a, gate_pre, ln_w, ln_b}); s != Status::ok) return s;
  if (b * t * c == 0) return Status::ok;
  launch(fusion_forward_kernel, grid_for(b * t, kWarps), kBlock, out, g, mean, rstd, h, a, gate_pre, ln_w, ln_b,
         has_image, b * t, t, c, eps);
  return check_launch(what);
}

Status fusion_gate_backward(float* dh, float* da, float* dgate_pre, float* dln_w, float* dln_b, const float* dout,
                            const float* h, const float* a, const float* g, const float* mean, const float* rstd,
                            const float* ln_w, const uint8_t* has_image, int64_t b, int64_t t, int64_t c) {
  const char* what = "fusion_gate_backward";
  if (Status s = check_args(what, b, t, c, {dh, da, dgate_pre, dout, h, a, g, mean, rstd, ln_w}); s != Status::ok) return s;
  if (b * t * c == 0) return Status::ok;
  const int64_t rows = b * t;
  launch(fusion_backward_kernel, grid_for(rows, kWarps), kBlock, dh, da, dgate_pre, dout, h, a, g, mean, rstd, ln_w,
         has_image, rows, t, c);
  if (Status s = check_launch(what); s != Status::ok) return s;
  if (dln_w == nullptr && dln_b == nullptr) return Status::ok;
  const int64_t chunks = (rows + kRowsPerChunk - 1) / kRowsPerChunk;
  if (chunks > 65535) return fail(Status::out_of_range, "%s: more than %lld rows", what, 65535LL * kRowsPerChunk);
  const dim3 grid(static_cast<unsigned>((c + kBlock - 1) / kBlock), static_cast<unsigned>(chunks));
  launch(fusion_params_kernel, grid, kBlock, dln_w, dln_b, dout, h, a, g, mean, rstd, has_image, rows, t, c);
  return check_launch(what);
}

}  // namespace shapca::cuda
