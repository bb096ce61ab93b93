// Masked softmax: one warp per row, an online max/sum pass, then the write pass.
#include "launch.cuh"
#include "softmax.h"

namespace shapca::cuda {

namespace {

constexpr int kRowsPerBlock = kBlock / 32;

__global__ void softmax_forward_kernel(float* out, const float* inp, const uint8_t* mask, int64_t rows_per_mask,
                                       int64_t rows, int64_t cols, float scale) {
  const int lane = threadIdx.x & 31;
  for (int64_t r = blockIdx.x * static_cast<int64_t>(kRowsPerBlock) + (threadIdx.x >> 5); r < rows;
       r += static_cast<int64_t>(gridDim.x) * kRowsPerBlock) {
    const float* x = inp + r * cols;
    float* y = out + r * cols;
    const uint8_t* m = mask ? mask + (r / rows_per_mask) * cols : nullptr;
    float mx = -INFINITY, sum = 0.0f;
    for (int64_t c = lane; c < cols; c += 32) {
      if (m && !m[c]) continue;
      const float v = x[c] * scale;
      if (v > mx) {
        sum = sum * expf(mx - v) + 1.0f;  // expf(−inf) = 0 on the first value
        mx = v;
      } else {
        sum += expf(v - mx);
      }
    }
    const float row_max = warp_max(mx);
    sum = mx == -INFINITY ? 0.0f : sum * expf(mx - row_max);
    sum = warp_sum(sum);
    if (row_max == -INFINITY) {  // every column masked
      for (int64_t c = lane; c < cols; c += 32) y[c] = 0.0f;
      continue;
    }
    const float inv = 1.0f / sum;
    for (int64_t c = lane; c < cols; c += 32) y[c] = (m && !m[c]) ? 0.0f : expf(x[c] * scale - row_max) * inv;
  }
}

__global__ void softmax_backward_kernel(float* dinp, const float* dout, const float* out, int64_t rows, int64_t cols,
                                        float scale, bool accumulate) {
  const int lane = threadIdx.x & 31;
  for (int64_t r = blockIdx.x * static_cast<int64_t>(kRowsPerBlock) + (threadIdx.x >> 5); r < rows;
       r += static_cast<int64_t>(gridDim.x) * kRowsPerBlock) {
    const float *y = out + r * cols, *dy = dout + r * cols;
    float* dx = dinp + r * cols;
    float dot = 0.0f;
    for (int64_t c = lane; c < cols; c += 32) dot += y[c] * dy[c];
    dot = warp_sum(dot);
    for (int64_t c = lane; c < cols; c += 32) {
      const float g = scale * y[c] * (dy[c] - dot);
      dx[c] = accumulate ? dx[c] + g : g;
    }
  }
}

Status check(const char* what, int64_t rows, int64_t cols, const void* a, const void* b, const void* c) {
  if (rows < 0 || cols < 0) {
    return fail(Status::invalid_argument, "%s: expected non-negative sizes but received rows=%lld cols=%lld", what,
                static_cast<long long>(rows), static_cast<long long>(cols));
  }
  if (rows > 0 && cols > 0 && (a == nullptr || b == nullptr || c == nullptr)) {
    return fail(Status::invalid_argument, "%s: a required buffer is null", what);
  }
  return Status::ok;
}

}  // namespace

namespace softmax_detail {

Status forward(float* out, const float* inp, const uint8_t* mask, int64_t rows_per_mask, int64_t rows, int64_t cols,
               float scale) {
  if (Status s = check("softmax_forward", rows, cols, out, inp, out); s != Status::ok) return s;
  if (rows == 0 || cols == 0) return Status::ok;
  launch(softmax_forward_kernel, grid_for(rows, kRowsPerBlock), kBlock, out, inp, mask,
         rows_per_mask < 1 ? int64_t{1} : rows_per_mask, rows, cols, scale);
  return check_launch("softmax_forward");
}

Status backward(float* dinp, const float* dout, const float* out, int64_t rows, int64_t cols, float scale,
                bool accumulate) {
  if (Status s = check("softmax_backward", rows, cols, dinp, dout, out); s != Status::ok) return s;
  if (rows == 0 || cols == 0) return Status::ok;
  launch(softmax_backward_kernel, grid_for(rows, kRowsPerBlock), kBlock, dinp, dout, out, rows, cols, scale, accumulate);
  return check_launch("softmax_backward");
}

}  // namespace softmax_detail

Status softmax_forward(float* out, const float* inp, const uint8_t* mask, int64_t rows, int64_t cols, float scale) {
  return softmax_detail::forward(out, inp, mask, 1, rows, cols, scale);
}

Status softmax_backward(float* dinp, const float* dout, const float* out, int64_t rows, int64_t cols, float scale) {
  return softmax_detail::backward(dinp, dout, out, rows, cols, scale, true);
}

}  // namespace shapca::cuda
