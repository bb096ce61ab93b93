// The tanh pooler of BERT and ViT (HF BertPooler / ViTPooler), over each sequence's first ([CLS]) row.
//   pooled = tanh(x[:,0] · Wᵀ + bias)          x (B, T, C), W (C, C), bias (C), pooled (B, C)
// Backward (accumulates into dx's CLS rows, dweight and dbias; dpre (B, C) is scratch):
//   dpre = dpooled ⊙ (1 − pooled²),  dW += dpreᵀ · x[:,0],  dbias += Σ_b dpre,  dx[:,0] += dpre · W
#pragma once
#include <cstdint>

#include "../core/status.h"

namespace shapca {

Status tanh_pooler_forward(float* pooled, const float* x, const float* weight, const float* bias, int64_t b, int64_t t,
                           int64_t c);
Status tanh_pooler_backward(float* dx, float* dweight, float* dbias, float* dpre, const float* dpooled,
                            const float* pooled, const float* x, const float* weight, int64_t b, int64_t t, int64_t c);

}  // namespace shapca
