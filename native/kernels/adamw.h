// AdamW over a flat parameter buffer (PyTorch's torch.optim.AdamW, decoupled weight decay):
//   g = grad · grad_scale
//   m = β1·m + (1−β1)·g,   v = β2·v + (1−β2)·g²
//   p = p·(1 − lr·wd) − lr · (m / (1−β1^t)) / (sqrt(v / (1−β2^t)) + eps)
// params, grads, m, v are (n); step t ≥ 1. grad_scale carries global-norm clipping.
// Parameter groups with other lr / wd are separate calls on sub-ranges of the buffer.
#pragma once
#include <cstdint>

#include "../core/status.h"

namespace shapca {

struct AdamWConfig {
  float lr = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float weight_decay = 0.01f;
  int64_t step = 1;
  float grad_scale = 1.0f;
};

Status adamw_step(float* params, const float* grads, float* m, float* v, int64_t n, const AdamWConfig& cfg);

// Global L2 norm of a buffer, accumulated in double.
Status grad_norm(const float* grads, int64_t n, double* norm);

}  // namespace shapca
