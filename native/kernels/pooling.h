// Weighted mean pooling over the sequence (the alignment embeddings, docs/ARCHITECTURE.md,
// "Encoders and embeddings": mean of the text-span or context-span token states).
//   out[b,:] = Σ_t w[b,t]·x[b,t,:] / Σ_t w[b,t]     (0 where Σ_t w[b,t] = 0)
// x is (B,T,C), w is (B,T) (1 inside the span, 0 outside), out is (B,C).
// Backward accumulates: dx[b,t,:] += w[b,t] / Σ_t w[b,t] · dout[b,:].
#pragma once
#include <cstdint>

#include "../core/status.h"

namespace shapca {

Status mean_pool_forward(float* out, const float* x, const float* w, int64_t b, int64_t t, int64_t c);
Status mean_pool_backward(float* dx, const float* dout, const float* w, int64_t b, int64_t t, int64_t c);

}  // namespace shapca
