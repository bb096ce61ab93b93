// Small heads and glue on the GPU, the contracts of their CPU headers on device pointers:
//   cross-entropy (kernels/cross_entropy.h): probs, loss (rows) from logits (rows,cols) and one
//     target per row (−1 ignores the row); backward accumulates dloss·(probs − onehot).
//   mean pooling (kernels/pooling.h): out (B,C) = Σ_t w·x / Σ_t w over x (B,T,C), w (B,T) ≥ 0.
//   fusion gate (kernels/fusion.h): out = LayerNorm(h + σ(gate_pre) ⊙ a) for samples with an
//     image, h for the others; g, mean, rstd saved for backward.
// Targets and weights are checked on the device first and fail with the CPU's messages.
#pragma once
#include <cstdint>

#include "../core/status.h"

namespace shapca::cuda {

Status cross_entropy_forward(float* loss, float* probs, const float* logits, const int32_t* targets, int64_t rows,
                             int64_t cols);
Status cross_entropy_backward(float* dlogits, const float* dloss, const float* probs, const int32_t* targets,
                              int64_t rows, int64_t cols);

Status mean_pool_forward(float* out, const float* x, const float* w, int64_t b, int64_t t, int64_t c);
Status mean_pool_backward(float* dx, const float* dout, const float* w, int64_t b, int64_t t, int64_t c);

Status fusion_gate_forward(float* out, float* g, float* mean, float* rstd, const float* h, const float* a,
                           const float* gate_pre, const float* ln_w, const float* ln_b, const uint8_t* has_image,
                           int64_t b, int64_t t, int64_t c, float eps);
Status fusion_gate_backward(float* dh, float* da, float* dgate_pre, float* dln_w, float* dln_b, const float* dout,
                            const float* h, const float* a, const float* g, const float* mean, const float* rstd,
                            const float* ln_w, const uint8_t* has_image, int64_t b, int64_t t, int64_t c);

}  // namespace shapca::cuda
