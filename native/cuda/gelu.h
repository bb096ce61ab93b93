// Activations on the GPU, element-wise over n values (kernels/gelu.h):
//   gelu(x) = 0.5·x·(1 + erf(x/√2)),  quick_gelu(x) = x·σ(1.702·x); backward accumulates dinp.
#pragma once
#include <cstdint>

#include "../core/status.h"

namespace shapca::cuda {

Status gelu_forward(float* out, const float* inp, int64_t n);
Status gelu_backward(float* dinp, const float* inp, const float* dout, int64_t n);
Status quick_gelu_forward(float* out, const float* inp, int64_t n);
Status quick_gelu_backward(float* dinp, const float* inp, const float* dout, int64_t n);

}  // namespace shapca::cuda
