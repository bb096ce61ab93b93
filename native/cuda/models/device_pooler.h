// The tanh pooler of BERT and ViT on the device (models/pooler.h on device pointers).
//   pooled = tanh(x[:,0] · Wᵀ + bias)          x (B, T, C), W (C, C), bias (C), pooled (B, C)
// Backward (accumulates into dx's CLS rows, dweight and dbias; dpre (B, C) is scratch):
//   dpre = dpooled ⊙ (1 − pooled²),  dW += dpreᵀ · x[:,0],  dbias += Σ_b dpre,  dx[:,0] += dpre · W
#pragma once
#include <cstdint>

#include "core/status.h"

namespace shapca::cuda {

Status tanh_pooler_forward(float* pooled, const float* x, const float* weight, const float* bias, int64_t b, int64_t t,
                           int64_t c);
Status tanh_pooler_backward(float* dx, float* dweight, float* dbias, float* dpre, const float* dpooled,
                            const float* pooled, const float* x, const float* weight, int64_t b, int64_t t, int64_t c);

}  // namespace shapca::cuda
