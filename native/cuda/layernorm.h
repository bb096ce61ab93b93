// LayerNorm over the last dimension on the GPU: the contract of kernels/layernorm.h.
//   out (N,C) = (x − mean)·rstd·weight + bias; mean, rstd (N) saved for backward.
//   Backward accumulates dinp, dweight, dbias (dweight/dbias may be null).
#pragma once
#include <cstdint>

#include "../core/status.h"

namespace shapca::cuda {

Status layernorm_forward(float* out, float* mean, float* rstd, const float* inp, const float* weight,
                         const float* bias, int64_t n, int64_t c, float eps);
Status layernorm_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                          const float* weight, const float* mean, const float* rstd, int64_t n, int64_t c);

}  // namespace shapca::cuda
