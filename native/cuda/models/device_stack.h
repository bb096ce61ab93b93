// The L encoder layers on the device, shared by BERT and ViT/CLIP: models/encoder_stack.h with
// its LayerStack (offsets, shape, activation pointers — here into device memory), planned in a
// DeviceArena. One activation set per layer when training, one reused set for inference.
//   forward: x_l = layer_l(x_{l−1}), x_L returned;  backward: from dx_L, every layer's parameter
//   gradients and dx0 (+=)
#pragma once
#include <cstdint>

#include "core/status.h"
#include "device_arena.h"
#include "models/encoder_stack.h"

namespace shapca::cuda {

// Buffers are planned with models/encoder_stack.h's stack_plan on a DeviceArena.
// out receives x_L (inside the stack's activations, valid until the next forward).
Status device_stack_forward(LayerStack& st, const float** out, const float* x0, const uint8_t* mask, const float* params);
// dx0 (BT, C) is accumulated into; dout (BT, C) is not modified.
Status device_stack_backward(LayerStack& st, float* dx0, float* grads, const float* dout, const float* x0,
                             const float* params);

}  // namespace shapca::cuda
