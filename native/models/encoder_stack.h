// The L transformer layers of an encoder, with their activations: one saved set per layer when
// training, one set reused by every layer for inference. Shared by BERT and ViT/CLIP.
//   forward: x_l = layer_l(x_{l−1}) for l = 1..L, x0 given, x_L returned
//   backward: from dx_L, accumulates every layer's parameter gradients and dx0 (+=)
#pragma once
#include <cstdint>
#include <vector>

#include "param_table.h"
#include "transformer.h"

namespace shapca {

struct LayerStack {
  LayerShape shape;                  // b and t are set per batch by stack_plan
  std::vector<LayerOffsets> layers;  // into the flat parameter / gradient buffers
  bool training = false;             // whether the last plan keeps every layer's activations
  float* acts = nullptr;             // (L or 1) × layer_acts_floats
  LayerScratch scratch{};            // fcact always; the rest only when training
  float *dx_a = nullptr, *dx_b = nullptr;  // (BT, C) gradient ping-pong, training only
};

// Requests the stack's buffers for a batch of b sequences of t tokens (commit the arena after).
void stack_plan(Arena& arena, LayerStack& st, int64_t b, int64_t t, bool training);
LayerActs stack_acts(const LayerStack& st, int64_t layer);

// out receives x_L (a pointer into the stack's activations, valid until the next forward).
Status stack_forward(LayerStack& st, const float** out, const float* x0, const uint8_t* mask, const float* params);
// dx0 (BT, C) is accumulated into; dout (BT, C) is not modified.
Status stack_backward(LayerStack& st, float* dx0, float* grads, const float* dout, const float* x0, const float* params);

}  // namespace shapca
