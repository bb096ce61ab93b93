// Row-wise softmax with an optional mask.
//   out[r,:] = softmax(scale · inp[r,:]) over the columns where mask[r,c] ≠ 0
// out, inp are (rows, cols); mask is (rows, cols) uint8 or null. Masked entries get 0 and a
// fully masked row is all zeros (no NaN).
// Backward (accumulates): dinp += scale · out ⊙ (dout − Σ_c dout ⊙ out), row by row.
#pragma once
#include <cstdint>

#include "../core/status.h"

namespace shapca {

Status softmax_forward(float* out, const float* inp, const uint8_t* mask, int64_t rows, int64_t cols, float scale);
Status softmax_backward(float* dinp, const float* dout, const float* out, int64_t rows, int64_t cols, float scale);

}  // namespace shapca
