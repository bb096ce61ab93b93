// AdamW and the global gradient norm on the GPU (kernels/adamw.h; AdamWConfig comes from there).
//   g = grad·grad_scale; m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²
//   p = p·(1 − lr·wd) − lr·(m/(1−β1^t)) / (sqrt(v/(1−β2^t)) + eps)
// params, grads, m, v are device buffers of n floats. grad_norm returns the L2 norm to the host
// (the clipping factor is computed there), summed in double in a fixed order.
#pragma once
#include <cstdint>

#include "../core/status.h"
#include "../kernels/adamw.h"

namespace shapca::cuda {

Status adamw_step(float* params, const float* grads, float* m, float* v, int64_t n, const AdamWConfig& cfg);
Status grad_norm(const float* grads, int64_t n, double* norm);
// Σ x² over n device floats, to the host: grad_norm before its square root (the same order).
Status sum_squares(const float* x, int64_t n, double* total);

}  // namespace shapca::cuda
