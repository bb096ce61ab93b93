// The tanh pooler of BERT and ViT (HF BertPooler / ViTPooler), over each sequence's first ([CLS]) row.
//   pooled = tanh(x[:,0] · Wᵀ + bias)          x (B, T, C), W (C, C), bias (C), pooled (B, C)
// Backward (accumulates into dx's CLS rows, dweight and dbias; dpre (B, C) is scratch):
//   dpre = dpooled ⊙ (1 − pooled²),  dW += dpreᵀ · x[:,0],  dbias += Σ_b dpre,  dx[:,0] += dpre · W
// Written once for any backend (backend.h).
#pragma once
#include <cstdint>

#include "../core/status.h"

namespace shapca {

template <typename Be>
Status tanh_pooler_forward_with(float* pooled, const float* x, const float* weight, const float* bias, int64_t b,
                                int64_t t, int64_t c) {
  // CLS rows sit T·C apart
  SHAPCA_TRY(Be::sgemm(false, true, b, c, c, 1.0f, x, t * c, weight, c, 0.0f, pooled, c, bias));
  return Be::tanh_forward(pooled, pooled, b * c);
}

template <typename Be>
Status tanh_pooler_backward_with(float* dx, float* dweight, float* dbias, float* dpre, const float* dpooled,
                                 const float* pooled, const float* x, const float* weight, int64_t b, int64_t t,
                                 int64_t c) {
  SHAPCA_TRY(Be::zero(dpre, b * c));
  SHAPCA_TRY(Be::tanh_backward(dpre, pooled, dpooled, b * c));
  SHAPCA_TRY(Be::sgemm(true, false, c, c, b, 1.0f, dpre, c, x, t * c, 1.0f, dweight, c, nullptr));
  SHAPCA_TRY(Be::matmul_backward(nullptr, nullptr, dbias, dpre, nullptr, nullptr, b, c, c));  // column sums
  return Be::sgemm(false, false, b, c, c, 1.0f, dpre, c, weight, c, 1.0f, dx, t * c, nullptr);
}

}  // namespace shapca
