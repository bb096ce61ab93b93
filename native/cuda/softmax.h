// Row-wise masked softmax on the GPU: the contract of kernels/softmax.h on device pointers.
//   out[r,:] = softmax(scale · inp[r,:]) over the columns where mask[r,c] ≠ 0 (mask may be null);
//   masked entries get 0, a fully masked row is all zeros. out may equal inp.
//   Backward accumulates dinp += scale · out ⊙ (dout − Σ_c dout ⊙ out).
#pragma once
#include <cstdint>

#include "../core/status.h"

namespace shapca::cuda {

Status softmax_forward(float* out, const float* inp, const uint8_t* mask, int64_t rows, int64_t cols, float scale);
Status softmax_backward(float* dinp, const float* dout, const float* out, int64_t rows, int64_t cols, float scale);

namespace softmax_detail {
// Row r uses mask row r / rows_per_mask (attention: one key mask per sample, shared by its heads
// and queries).
Status forward(float* out, const float* inp, const uint8_t* mask, int64_t rows_per_mask, int64_t rows, int64_t cols,
               float scale);
// dinp = (accumulate ? dinp : 0) + scale·out⊙(dout − Σ dout⊙out); without accumulate dinp may
// equal dout (the gradient is computed in place).
Status backward(float* dinp, const float* dout, const float* out, int64_t rows, int64_t cols, float scale,
                bool accumulate);
}  // namespace softmax_detail

}  // namespace shapca::cuda
