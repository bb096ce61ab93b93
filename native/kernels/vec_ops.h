// Whole-buffer helpers the models chain between kernels, parallel for large n.
//   add_to: y += x    zero: y = 0    copy_to: y = x    (all (n))
//   tanh_forward: y = tanh(x);  tanh_backward: dx += dy ⊙ (1 − y²)     (the BERT/ViT pooler)
//   rows_copy: dst[r·ld_dst + j] = src[r·ld_src + j];  rows_add: … +=    (r < rows, j < c; CLS rows)
#pragma once
#include <cstdint>

#include "../core/status.h"

namespace shapca {

Status add_to(float* y, const float* x, int64_t n);
Status zero(float* y, int64_t n);
Status copy_to(float* y, const float* x, int64_t n);
Status tanh_forward(float* y, const float* x, int64_t n);
Status tanh_backward(float* dx, const float* y, const float* dy, int64_t n);
Status rows_copy(float* dst, int64_t ld_dst, const float* src, int64_t ld_src, int64_t rows, int64_t c);
Status rows_add(float* dst, int64_t ld_dst, const float* src, int64_t ld_src, int64_t rows, int64_t c);

}  // namespace shapca
