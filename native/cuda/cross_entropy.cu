// Softmax cross-entropy: a check kernel for the targets, then one warp per row.
#include <initializer_list>

#include "heads.h"
#include "launch.cuh"
#include "workspace.h"

namespace shapca::cuda {

namespace {

constexpr int kWarps = kBlock / 32;

__global__ void check_targets_kernel(unsigned long long* bad, const int32_t* targets, int64_t rows, int64_t cols) {
  for (int64_t r = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; r < rows;
       r += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    if (targets[r] < -1 || targets[r] >= cols) flag_index(bad, r);
  }
}

__global__ void cross_entropy_forward_kernel(float* loss, float* probs, const float* logits, const int32_t* targets,
                                             int64_t rows, int64_t cols) {
  const int lane = threadIdx.x & 31;
  for (int64_t r = blockIdx.x * static_cast<int64_t>(kWarps) + (threadIdx.x >> 5); r < rows;
       r += static_cast<int64_t>(gridDim.x) * kWarps) {
    const float* x = logits + r * cols;
    float* p = probs + r * cols;
    float mx = -INFINITY;
    for (int64_t c = lane; c < cols; c += 32) mx = fmaxf(mx, x[c]);
    mx = warp_max(mx);
    double sum = 0.0;
    for (int64_t c = lane; c < cols; c += 32) sum += expf(x[c] - mx);
    sum = warp_sum(sum);
    const float inv = static_cast<float>(1.0 / sum);
    for (int64_t c = lane; c < cols; c += 32) p[c] = expf(x[c] - mx) * inv;
    if (lane == 0) {
      const int32_t t = targets[r];
      loss[r] = t < 0 ? 0.0f : static_cast<float>(log(sum) + mx - x[t]);
    }
  }
}

__global__ void cross_entropy_backward_kernel(float* dlogits, const float* dloss, const float* probs,
                                              const int32_t* targets, int64_t rows, int64_t cols) {
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < rows * cols;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t r = e / cols, c = e % cols;
    const int32_t t = targets[r];
    if (t < 0) continue;
    dlogits[e] += dloss[r] * probs[e] - (c == t ? dloss[r] : 0.0f);
  }
}

Status check(const char* what, int64_t rows, int64_t cols, std::initializer_list<const void*> ptrs, const int32_t* targets) {
  if (rows < 0 || cols < 0) {
    return fail(Status::invalid_argument, "%s: expected non-negative sizes but received rows=%lld cols=%lld", what,
                static_cast<long long>(rows), static_cast<long long>(cols));
  }
  if (rows > 0 && cols > 0) {
    for (const void* p : ptrs) {
      if (p == nullptr) return fail(Status::invalid_argument, "%s: a required buffer is null", what);
    }
  }
  if (rows > 0 && cols == 0) return fail(Status::invalid_argument, "%s: expected cols >= 1 but received 0", what);
  if (rows == 0) return Status::ok;
  Checks checks;
  if (Status s = checks_reset(&checks, what); s != Status::ok) return s;
  launch(check_targets_kernel, grid_for(rows), kBlock, checks.device, targets, rows, cols);
  if (Status s = check_launch(what); s != Status::ok) return s;
  unsigned long long bad[kCheckCount];
  if (Status s = checks_read(checks, bad, what); s != Status::ok) return s;
  if (bad[0] == kCheckNone) return Status::ok;
  int32_t t = 0;
  if (Status s = shapca::cuda::check(cudaMemcpy(&t, targets + bad[0], sizeof t, cudaMemcpyDeviceToHost), what); s != Status::ok) {
    return s;
  }
  return fail(Status::out_of_range, "%s: expected targets in [-1, %lld) but targets[%llu] = %d", what,
              static_cast<long long>(cols), bad[0], t);
}

}  // namespace

Status cross_entropy_forward(float* loss, float* probs, const float* logits, const int32_t* targets, int64_t rows,
                             int64_t cols) {
  const char* what = "cross_entropy_forward";
  if (Status s = check(what, rows, cols, {loss, probs, logits, targets}, targets); s != Status::ok) return s;
  if (rows == 0) return Status::ok;
  launch(cross_entropy_forward_kernel, grid_for(rows, kWarps), kBlock, loss, probs, logits, targets, rows, cols);
  return check_launch(what);
}

Status cross_entropy_backward(float* dlogits, const float* dloss, const float* probs, const int32_t* targets,
                              int64_t rows, int64_t cols) {
  const char* what = "cross_entropy_backward";
  if (rows > 0 && cols == 0) return Status::ok;
  if (Status s = check(what, rows, cols, {dlogits, dloss, probs, targets}, targets); s != Status::ok) return s;
  if (rows == 0) return Status::ok;
  launch(cross_entropy_backward_kernel, grid_for(rows * cols), kBlock, dlogits, dloss, probs, targets, rows, cols);
  return check_launch(what);
}

}  // namespace shapca::cuda
