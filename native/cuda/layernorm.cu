// LayerNorm: one warp per row (two-pass mean and variance, as the CPU's scalar path); the
// backward's parameter gradients are column sums over row chunks, added with atomics.
#include <initializer_list>

#include "launch.cuh"
#include "layernorm.h"

namespace shapca::cuda {

namespace {

constexpr int kRowsPerBlock = kBlock / 32;
constexpr int64_t kRowsPerChunk = 128;

__global__ void layernorm_forward_kernel(float* out, float* mean, float* rstd, const float* inp, const float* weight,
                                         const float* bias, int64_t n, int64_t c, float eps) {
  const int lane = threadIdx.x & 31;
  for (int64_t r = blockIdx.x * static_cast<int64_t>(kRowsPerBlock) + (threadIdx.x >> 5); r < n;
       r += static_cast<int64_t>(gridDim.x) * kRowsPerBlock) {
    const float* x = inp + r * c;
    float s = 0.0f;
    for (int64_t i = lane; i < c; i += 32) s += x[i];
    const float mu = warp_sum(s) / static_cast<float>(c);
    float v = 0.0f;
    for (int64_t i = lane; i < c; i += 32) v += (x[i] - mu) * (x[i] - mu);
    const float rs = 1.0f / sqrtf(warp_sum(v) / static_cast<float>(c) + eps);
    float* y = out + r * c;
    for (int64_t i = lane; i < c; i += 32) y[i] = (x[i] - mu) * rs * weight[i] + bias[i];
    if (lane == 0) {
      mean[r] = mu;
      rstd[r] = rs;
    }
  }
}

__global__ void layernorm_backward_kernel(float* dinp, const float* dout, const float* inp, const float* weight,
                                          const float* mean, const float* rstd, int64_t n, int64_t c) {
  const int lane = threadIdx.x & 31;
  for (int64_t r = blockIdx.x * static_cast<int64_t>(kRowsPerBlock) + (threadIdx.x >> 5); r < n;
       r += static_cast<int64_t>(gridDim.x) * kRowsPerBlock) {
    const float *x = inp + r * c, *dy = dout + r * c;
    const float mu = mean[r], rs = rstd[r];
    float dn = 0.0f, dnn = 0.0f;
    for (int64_t i = lane; i < c; i += 32) {
      const float norm = (x[i] - mu) * rs, dnorm = dy[i] * weight[i];
      dn += dnorm;
      dnn += dnorm * norm;
    }
    dn = warp_sum(dn) / static_cast<float>(c);
    dnn = warp_sum(dnn) / static_cast<float>(c);
    float* dx = dinp + r * c;
    for (int64_t i = lane; i < c; i += 32) {
      const float norm = (x[i] - mu) * rs, dnorm = dy[i] * weight[i];
      dx[i] += (dnorm - dn - norm * dnn) * rs;
    }
  }
}

// dweight[i] += Σ_r dout·norm, dbias[i] += Σ_r dout over the rows of chunk blockIdx.y.
__global__ void layernorm_params_kernel(float* dweight, float* dbias, const float* dout, const float* inp,
                                        const float* mean, const float* rstd, int64_t n, int64_t c) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i >= c) return;
  const int64_t r0 = blockIdx.y * kRowsPerChunk, r1 = r0 + kRowsPerChunk < n ? r0 + kRowsPerChunk : n;
  float dw = 0.0f, db = 0.0f;
  for (int64_t r = r0; r < r1; ++r) {
    const float g = dout[r * c + i];
    dw += g * (inp[r * c + i] - mean[r]) * rstd[r];
    db += g;
  }
  if (dweight) atomicAdd(dweight + i, dw);
  if (dbias) atomicAdd(dbias + i, db);
}

Status check(const char* what, int64_t n, int64_t c, std::initializer_list<const void*> ptrs) {
  if (n < 0 || c < 0) {
    return fail(Status::invalid_argument, "%s: expected non-negative sizes but received rows=%lld cols=%lld", what,
                static_cast<long long>(n), static_cast<long long>(c));
  }
  if (n > 0 && c > 0) {
    for (const void* p : ptrs) {
      if (p == nullptr) return fail(Status::invalid_argument, "%s: a required buffer is null", what);
    }
  }
  return Status::ok;
}

}  // namespace

Status layernorm_forward(float* out, float* mean, float* rstd, const float* inp, const float* weight,
                         const float* bias, int64_t n, int64_t c, float eps) {
  if (Status s = check("layernorm_forward", n, c, {out, mean, rstd, inp, weight, bias}); s != Status::ok) return s;
  if (!(eps >= 0.0f)) return fail(Status::invalid_argument, "layernorm_forward: expected eps >= 0 but received %g", eps);
  if (n == 0 || c == 0) return Status::ok;
  launch(layernorm_forward_kernel, grid_for(n, kRowsPerBlock), kBlock, out, mean, rstd, inp, weight, bias, n, c, eps);
  return check_launch("layernorm_forward");
}

Status layernorm_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                          const float* weight, const float* mean, const float* rstd, int64_t n, int64_t c) {
  if (Status s = check("layernorm_backward", n, c, {dinp, dout, inp, weight, mean, rstd}); s != Status::ok) return s;
  if (n == 0 || c == 0) return Status::ok;
  launch(layernorm_backward_kernel, grid_for(n, kRowsPerBlock), kBlock, dinp, dout, inp, weight, mean, rstd, n, c);
  if (Status s = check_launch("layernorm_backward"); s != Status::ok) return s;
  if (dweight == nullptr && dbias == nullptr) return Status::ok;
  const int64_t chunks = (n + kRowsPerChunk - 1) / kRowsPerChunk;
  if (chunks > 65535) return fail(Status::out_of_range, "layernorm_backward: more than %lld rows", 65535LL * kRowsPerChunk);
  const dim3 grid(static_cast<unsigned>((c + kBlock - 1) / kBlock), static_cast<unsigned>(chunks));
  launch(layernorm_params_kernel, grid, kBlock, dweight, dbias, dout, inp, mean, rstd, n, c);
  return check_launch("layernorm_backward: parameters");
}

}  // namespace shapca::cuda
