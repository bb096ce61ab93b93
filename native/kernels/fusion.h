// The tail of the adaptive fusion layer (docs/ARCHITECTURE.md, "Fusion"): gate, residual,
// LayerNorm, and the pass-through for samples without an image.
//
//   g = σ(gate_pre)                      gate_pre (B,T,C) = W_g [H; A] + b_g, computed by sgemm
//   x = h + g ⊙ a                        h, a (B,T,C)
//   out = LayerNorm(x; ln_w, ln_b)       for samples with has_image[b] ≠ 0
//   out = h                              for samples without (fusion passes the text through)
// Saved for backward: g, x's mean and rstd (B,T). Backward accumulates into dh, da, dgate_pre,
// dln_w, dln_b (dln_w/dln_b may be null):
//   dx = LN'(dout);  dh += dx (or dout where there is no image);  da += g ⊙ dx;
//   dgate_pre += dx ⊙ a ⊙ g ⊙ (1 − g)
#pragma once
#include <cstdint>

#include "../core/status.h"

namespace shapca {

Status fusion_gate_forward(float* out, float* g, float* mean, float* rstd, const float* h, const float* a,
                           const float* gate_pre, const float* ln_w, const float* ln_b, const uint8_t* has_image,
                           int64_t b, int64_t t, int64_t c, float eps);
Status fusion_gate_backward(float* dh, float* da, float* dgate_pre, float* dln_w, float* dln_b, const float* dout,
                            const float* h, const float* a, const float* g, const float* mean, const float* rstd,
                            const float* ln_w, const uint8_t* has_image, int64_t b, int64_t t, int64_t c);

}  // namespace shapca
