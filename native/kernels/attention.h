// Fused multi-head self-attention with a key padding mask (llm.c's attention, without preatt).
//
//   qkv is (B, T, 3C): per token [q | k | v], head h owning columns h·hs .. (h+1)·hs of each,
//   hs = C / NH. mask is (B, T) uint8: 0 marks a padding key (null: no padding).
//   att[b,h] = softmax_keys(scale · Q Kᵀ) over unmasked keys,  scale = 1/√hs     att (B, NH, T, T)
//   out[b,:,h] = att[b,h] · V                                                    out (B, T, C)
// att (the probabilities) is the only thing saved for backward; the scores are never kept.
// Forward takes att = null when nothing will run backward (inference).
// Backward (accumulates into dqkv, (B, T, 3C)):
//   dV += attᵀ · dout,  dP = dout · Vᵀ,  dS = scale · att ⊙ (dP − rowsum(dP ⊙ att)),
//   dQ += dS · K,  dK += dSᵀ · Q
// It is cross-attention (cross_attention.h) of the sequence with itself, over the three thirds
// of qkv with row stride 3C: one task per (b, h); on the AVX-512 path the forward runs each head
// by blocks of queries (attention_head.h), elsewhere the products and the softmax go through
// sgemm and softmax.
// A query row whose keys are all masked gets zeros (HF would give a uniform row instead).
#pragma once
#include <cstdint>

#include "../core/status.h"

namespace shapca {

Status attention_forward(float* out, float* att, const float* qkv, const uint8_t* mask, int64_t b, int64_t t,
                         int64_t c, int64_t nh);
Status attention_backward(float* dqkv, const float* dout, const float* qkv, const float* att, int64_t b, int64_t t,
                          int64_t c, int64_t nh);

}  // namespace shapca
