// AdamW (element-wise) and the gradient norm (per-block partial sums in double, then one block
// adds them in order: the same result on every run).
#include <cmath>

#include "adamw.h"
#include "launch.cuh"
#include "workspace.h"

namespace shapca::cuda {

namespace {

constexpr int kNormBlocks = 1024;

__global__ void adamw_kernel(float* params, const float* grads, float* m, float* v, int64_t n, float lr, float beta1,
                             float beta2, float eps, float wd, float c1, float c2, float grad_scale) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const float g = grads[i] * grad_scale;
    const float mi = beta1 * m[i] + (1.0f - beta1) * g;
    const float vi = beta2 * v[i] + (1.0f - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    const float denom = sqrtf(vi / c2) + eps;
    params[i] = params[i] * (1.0f - lr * wd) - (lr / c1) * mi / denom;
  }
}

__global__ void sum_squares_kernel(double* partial, const float* x, int64_t n) {
  __shared__ double shared[32];
  double acc = 0.0;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    acc += static_cast<double>(x[i]) * x[i];
  }
  acc = block_sum(acc, shared);
  if (threadIdx.x == 0) partial[blockIdx.x] = acc;
}

__global__ void sum_partials_kernel(double* total, const double* partial, int count) {
  __shared__ double shared[32];
  double acc = 0.0;
  for (int i = threadIdx.x; i < count; i += blockDim.x) acc += partial[i];
  acc = block_sum(acc, shared);
  if (threadIdx.x == 0) *total = acc;
}

}  // namespace

Status adamw_step(float* params, const float* grads, float* m, float* v, int64_t n, const AdamWConfig& cfg) {
  const char* what = "adamw_step";
  if (n < 0) return fail(Status::invalid_argument, "%s: expected n >= 0 but received %lld", what, static_cast<long long>(n));
  if (n > 0 && (params == nullptr || grads == nullptr || m == nullptr || v == nullptr)) {
    return fail(Status::invalid_argument, "%s: a required buffer is null", what);
  }
  if (cfg.step < 1) {
    return fail(Status::invalid_argument, "%s: expected step >= 1 but received %lld", what, static_cast<long long>(cfg.step));
  }
  if (!(cfg.lr >= 0.0f) || !(cfg.beta1 >= 0.0f && cfg.beta1 < 1.0f) || !(cfg.beta2 >= 0.0f && cfg.beta2 < 1.0f) ||
      !(cfg.eps > 0.0f) || !(cfg.weight_decay >= 0.0f) || !std::isfinite(cfg.grad_scale)) {
    return fail(Status::invalid_argument,
                "%s: expected lr >= 0, 0 <= beta1, beta2 < 1, eps > 0, weight_decay >= 0 and a finite grad_scale but "
                "received lr=%g beta1=%g beta2=%g eps=%g weight_decay=%g grad_scale=%g",
                what, cfg.lr, cfg.beta1, cfg.beta2, cfg.eps, cfg.weight_decay, cfg.grad_scale);
  }
  if (n == 0) return Status::ok;
  const float c1 = static_cast<float>(1.0 - std::pow(static_cast<double>(cfg.beta1), static_cast<double>(cfg.step)));
  const float c2 = static_cast<float>(1.0 - std::pow(static_cast<double>(cfg.beta2), static_cast<double>(cfg.step)));
  launch(adamw_kernel, grid_for(n), kBlock, params, grads, m, v, n, cfg.lr, cfg.beta1, cfg.beta2, cfg.eps,
         cfg.weight_decay, c1, c2, cfg.grad_scale);
  return check_launch(what);
}

Status sum_squares(const float* x, int64_t n, double* total) {
  const char* what = "sum_squares";
  if (n < 0 || total == nullptr || (n > 0 && x == nullptr)) {
    return fail(Status::invalid_argument, "%s: expected n >= 0 and non-null buffers", what);
  }
  if (n == 0) {
    *total = 0.0;
    return Status::ok;
  }
  void* ws = nullptr;
  if (Status s = workspace(&ws, (kNormBlocks + 1) * sizeof(double), Slot::leaf, what); s != Status::ok) return s;
  double* partial = static_cast<double*>(ws);
  const unsigned blocks = grid_for(n) < kNormBlocks ? grid_for(n) : kNormBlocks;
  launch(sum_squares_kernel, blocks, kBlock, partial, x, n);
  if (Status s = check_launch(what); s != Status::ok) return s;
  launch(sum_partials_kernel, 1, kBlock, partial + kNormBlocks, static_cast<const double*>(partial), static_cast<int>(blocks));
  if (Status s = check_launch(what); s != Status::ok) return s;
  return check(cudaMemcpy(total, partial + kNormBlocks, sizeof(double), cudaMemcpyDeviceToHost), what);
}

Status grad_norm(const float* grads, int64_t n, double* norm) {
  if (n < 0 || norm == nullptr || (n > 0 && grads == nullptr)) {
    return fail(Status::invalid_argument, "grad_norm: expected n >= 0 and non-null buffers");
  }
  double total = 0.0;
  if (Status s = sum_squares(grads, n, &total); s != Status::ok) return s;
  *norm = std::sqrt(total);
  return Status::ok;
}

}  // namespace shapca::cuda
