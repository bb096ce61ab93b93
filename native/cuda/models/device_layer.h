// One transformer encoder layer on the device: models/transformer.h's layer_forward/backward,
// step for step, on device pointers (the same LayerShape, LayerOffsets, LayerActs and
// LayerScratch, whose pointers here are device memory). Post-LN for BERT, pre-LN for ViT/CLIP:
//   post-LN: r1 = x + Attn(x)·Wpᵀ;  n1 = LN1(r1);  r2 = n1 + act(n1·W1ᵀ)·W2ᵀ;  y = LN2(r2)
//   pre-LN:  r1 = x + Attn(LN1(x))·Wpᵀ;            y = r2 = r1 + act(LN2(r1)·W1ᵀ)·W2ᵀ
// Backward accumulates into dinp and the device gradient buffer; act(f) is recomputed.
#pragma once
#include <cstdint>

#include "core/status.h"
#include "models/transformer.h"

namespace shapca::cuda {

Status device_layer_forward(const LayerActs& acts, const LayerScratch& scratch, const float* inp, const uint8_t* mask,
                            const float* params, const LayerOffsets& o, const LayerShape& s);
Status device_layer_backward(float* dinp, float* grads, const float* dout, const float* inp, const LayerActs& acts,
                             const LayerScratch& scratch, const float* params, const LayerOffsets& o,
                             const LayerShape& s);

}  // namespace shapca::cuda
