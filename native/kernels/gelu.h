// Activations, element-wise over n values.
//   gelu(x)       = x · Φ(x) = 0.5 · x · (1 + erf(x / √2))        (exact GELU, BERT/ViT)
//   quick_gelu(x) = x · σ(1.702 · x)                                (CLIP)
// Backward accumulates: dinp += dout · f'(inp).
#pragma once
#include <cstdint>

#include "../core/status.h"

namespace shapca {

enum class Activation : int { gelu = 0, quick_gelu = 1 };

// out[i] = a(inp[i]) for n values, on the calling thread (a tile's epilogue); out may be inp.
void activation_span(Activation a, float* out, const float* inp, int64_t n);
// The same over the thread pool, with the checks of the kernels below (gelu_forward is
// activation_forward(Activation::gelu, ...), quick_gelu_forward likewise).
Status activation_forward(Activation a, float* out, const float* inp, int64_t n);

Status gelu_forward(float* out, const float* inp, int64_t n);
Status gelu_backward(float* dinp, const float* inp, const float* dout, int64_t n);
Status quick_gelu_forward(float* out, const float* inp, int64_t n);
Status quick_gelu_backward(float* dinp, const float* inp, const float* dout, int64_t n);

}  // namespace shapca
