// Multi-head cross-attention core: text queries attend to image keys/values (adaptive fusion,
// docs/ARCHITECTURE.md, "Fusion"). Projections are separate linear layers; this is the part between
// them.
//
//   q is (B, Tq, C) with row stride ldq ≥ C, k and v are (B, Tk, C) with row stride ldkv ≥ C
//   (self-attention passes the three thirds of one (B, T, 3C) buffer with stride 3C);
//   head h owns columns h·hs .. (h+1)·hs, hs = C / NH; out and dout are (B, Tq, C), dense.
//   kv_mask is (B, Tk) uint8 (0: a key to ignore) or null.
//   att[b,h] = softmax_keys(scale · Q_h K_hᵀ),  scale = 1/√hs                  att (B, NH, Tq, Tk)
//   out[b,:,h] = att[b,h] · V_h                                                 out (B, Tq, C)
// A query whose keys are all masked gets zeros. att is saved for backward (forward may be given
// null for it: inference keeps no probabilities), which accumulates:
//   dV_h += attᵀ·dout_h,  dP = dout_h·V_hᵀ,  dS = scale·att ⊙ (dP − rowsum(dP ⊙ att)),
//   dQ_h += dS·K_h,  dK_h += dSᵀ·Q_h
#pragma once
#include <cstdint>

#include "../core/status.h"

namespace shapca {

struct AttentionShape {
  int64_t b, tq, tk, c, nh;
  int64_t ldq;   // row stride of q (and dq)
  int64_t ldkv;  // row stride of k, v (and dk, dv)
};

Status cross_attention_forward(float* out, float* att, const float* q, const float* k, const float* v,
                               const uint8_t* kv_mask, const AttentionShape& s);
Status cross_attention_backward(float* dq, float* dk, float* dv, const float* dout, const float* q, const float* k,
                                const float* v, const float* att, const AttentionShape& s);

// Dense operands: ldq = ldkv = C.
inline AttentionShape dense_attention(int64_t b, int64_t tq, int64_t tk, int64_t c, int64_t nh) {
  return AttentionShape{b, tq, tk, c, nh, c, c};
}

}  // namespace shapca
