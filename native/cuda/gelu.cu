// GELU and quick-GELU, forward and backward: grid-stride element-wise kernels.
#include "gelu.h"
#include "launch.cuh"

namespace shapca::cuda {

namespace {

constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;
constexpr float kQuick = 1.702f;

enum Act { exact_gelu = 0, quick = 1 };

__device__ inline float act(float x, int kind) {
  if (kind == exact_gelu) return 0.5f * x * (1.0f + erff(x * kInvSqrt2));
  return x / (1.0f + expf(-kQuick * x));
}

__device__ inline float act_grad(float x, int kind) {
  if (kind == exact_gelu) return 0.5f * (1.0f + erff(x * kInvSqrt2)) + x * kInvSqrt2Pi * expf(-0.5f * x * x);
  const float s = 1.0f / (1.0f + expf(-kQuick * x));
  return s + kQuick * x * s * (1.0f - s);
}

__global__ void act_forward_kernel(float* out, const float* inp, int64_t n, int kind) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    out[i] = act(inp[i], kind);
  }
}

__global__ void act_backward_kernel(float* dinp, const float* inp, const float* dout, int64_t n, int kind) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    dinp[i] += dout[i] * act_grad(inp[i], kind);
  }
}

Status check(const char* what, int64_t n, const void* a, const void* b, const void* c) {
  if (n < 0) return fail(Status::invalid_argument, "%s: expected n >= 0 but received %lld", what, static_cast<long long>(n));
  if (n > 0 && (a == nullptr || b == nullptr || c == nullptr)) {
    return fail(Status::invalid_argument, "%s: a required buffer is null", what);
  }
  return Status::ok;
}

Status forward(const char* what, float* out, const float* inp, int64_t n, int kind) {
  if (Status s = check(what, n, out, inp, inp); s != Status::ok || n == 0) return s;
  launch(act_forward_kernel, grid_for(n), kBlock, out, inp, n, kind);
  return check_launch(what);
}

Status backward(const char* what, float* dinp, const float* inp, const float* dout, int64_t n, int kind) {
  if (Status s = check(what, n, dinp, inp, dout); s != Status::ok || n == 0) return s;
  launch(act_backward_kernel, grid_for(n), kBlock, dinp, inp, dout, n, kind);
  return check_launch(what);
}

}  // namespace

Status gelu_forward(float* out, const float* inp, int64_t n) { return forward("gelu_forward", out, inp, n, exact_gelu); }
Status gelu_backward(float* dinp, const float* inp, const float* dout, int64_t n) {
  return backward("gelu_backward", dinp, inp, dout, n, exact_gelu);
}
Status quick_gelu_forward(float* out, const float* inp, int64_t n) {
  return forward("quick_gelu_forward", out, inp, n, quick);
}
Status quick_gelu_backward(float* dinp, const float* inp, const float* dout, int64_t n) {
  return backward("quick_gelu_backward", dinp, inp, dout, n, quick);
}

}  // namespace shapca::cuda
