// Row selection for inference over padded batches: the encoder stack runs its row-wise steps
// (linear maps, LayerNorm, activations) on the real tokens only and goes back to the padded
// (B·T) layout just for attention (encoder_stack.h).
//   select_rows: index[0..n) = the rows r < bt with mask[r] != 0, ascending; returns n
//   gather_rows:  dst[i] = src[index[i]]                       (n rows of width)
//   scatter_rows: dst[index[i]] = src[i], every other row of dst (bt rows) = 0
#pragma once
#include <cstdint>

#include "../core/status.h"

namespace shapca {

int64_t select_rows(int64_t* index, const uint8_t* mask, int64_t bt);
Status gather_rows(float* dst, const float* src, const int64_t* index, int64_t n, int64_t width);
Status scatter_rows(float* dst, const float* src, const int64_t* index, int64_t n, int64_t bt, int64_t width);

}  // namespace shapca
