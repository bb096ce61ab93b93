// Whole-buffer helpers the models chain between kernels, parallel for large n.
//   add_to: y += x    zero: y = 0    copy_to: y = x    (all (n))
//   tanh_forward: y = tanh(x);  tanh_backward: dx += dy ⊙ (1 − y²)     (the BERT/ViT pooler)
#pragma once
#include <cstdint>

#include "../core/status.h"

namespace shapca {

Status add_to(float* y, const float* x, int64_t n);
Status zero(float* y, int64_t n);
Status copy_to(float* y, const float* x, int64_t n);
Status tanh_forward(float* y, const float* x, int64_t n);
Status tanh_backward(float* dx, const float* y, const float* dy, int64_t n);

}  // namespace shapca
