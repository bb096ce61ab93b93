// The L transformer layers of an encoder, with their activations: one saved set per layer when
// training, one set reused by every layer for inference. Shared by BERT and ViT/CLIP.
//   forward: x_l = layer_l(x_{l−1}) for l = 1..L, x0 given, x_L returned
//   backward: from dx_L, accumulates every layer's parameter gradients and dx0 (+=)
#pragma once
#include <cstdint>
#include <memory>
#include <type_traits>
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
  float* selected = nullptr;               // (BT, C) CPU inference: x0's real rows, then x_L padded
  // CPU inference at bf16 / int8: the packed weights layers[l].packed points into (one per layer;
  // shared, so that a copy of the stack — the device models copy the CPU model's — stays valid).
  Precision precision = Precision::fp32;
  std::shared_ptr<const std::vector<LayerPacked>> packed;
};

// Packs every layer's four linear weights from params for p (bf16 or int8), or drops the packed
// copies (fp32); the CPU forward then uses them until the next call. A snapshot: later writes to
// params are not seen until it is called again. Training forwards refuse a packed stack.
Status stack_set_precision(LayerStack& st, const float* params, Precision p);

// Requests the stack's buffers for a batch of b sequences of t tokens (commit the arena after):
// an Arena on the CPU, a DeviceArena (cuda/models) on the GPU.
template <typename ArenaT>
void stack_plan(ArenaT& arena, LayerStack& st, int64_t b, int64_t t, bool training) {
  LayerShape& s = st.shape;
  s.b = b;
  s.t = t;
  st.training = training;
  const int64_t bt = b * t, sets = training ? static_cast<int64_t>(st.layers.size()) : 1;
  arena.plan(&st.acts, sets * layer_acts_floats(s));
  // CPU inference skips the padding rows (stack_forward_with); the device stack computes them.
  const bool cpu_inference = !training && std::is_same_v<ArenaT, Arena>;
  arena.plan(&st.scratch.fcact, bt * fcact_stride(s.inter, cpu_inference));
  const int64_t g = training ? 1 : 0;  // backward-only buffers are empty for inference
  arena.plan(&st.scratch.dfact, g * bt * s.inter);
  arena.plan(&st.scratch.dres, g * bt * s.c);
  arena.plan(&st.scratch.dnorm, g * bt * s.c);
  arena.plan(&st.scratch.datty, g * bt * s.c);
  arena.plan(&st.scratch.dqkv, g * bt * 3 * s.c);
  arena.plan(&st.dx_a, g * bt * s.c);
  arena.plan(&st.dx_b, g * bt * s.c);
  const int64_t sel = cpu_inference ? 1 : 0;
  arena.plan(&st.scratch.row_index, sel * bt);
  arena.plan(&st.scratch.pad_qkv, sel * bt * 3 * s.c);
  arena.plan(&st.scratch.pad_atty, sel * bt * s.c);
  arena.plan(&st.selected, sel * bt * s.c);
}

LayerActs stack_acts(const LayerStack& st, int64_t layer);

// The walks over the layers, for any backend (backend.h); the drivers (bert_steps.h,
// vit_steps.h) run them with CpuBackend or cuda::DeviceBackend.
// forward: out receives x_L (a pointer into the stack's activations, valid until the next forward).
template <typename Be>
Status stack_forward_with(LayerStack& st, const float** out, const float* x0, const uint8_t* mask, const float* params) {
  if (st.training && st.precision != Precision::fp32) {
    return fail(Status::invalid_argument, "forward: training runs in fp32 but the model was set to %s for inference",
                precision_name(st.precision));
  }
  LayerShape& s = st.shape;
  const int64_t bt = s.b * s.t;
  const float* x = x0;
  s.rows = 0;
  s.inference = false;
  if constexpr (Be::host_memory) {
    s.inference = !st.training;
    // Inference over a padded batch: the layers' row-wise steps run on the real tokens only,
    // which leaves their hidden states exactly as over the whole batch (a row's linear maps,
    // LayerNorm and activation read that row alone, and attention drops padded keys); the
    // padded rows of x_L are 0, as in PyTorch's nested-tensor encoder fast path.
    if (!st.training && mask != nullptr && st.scratch.row_index != nullptr && !st.layers.empty()) {
      const int64_t n = select_rows(st.scratch.row_index, mask, bt);
      if (n > 0 && n < bt) {
        s.rows = n;
        SHAPCA_TRY(gather_rows(st.selected, x0, st.scratch.row_index, n, s.c));
        x = st.selected;
      }
    }
  }
  for (int64_t l = 0; l < static_cast<int64_t>(st.layers.size()); ++l) {
    const LayerActs a = stack_acts(st, l);
    SHAPCA_TRY(layer_forward_with<Be>(a, st.scratch, x, mask, params, st.layers[l], s));
    x = layer_output(a, s.pre_norm);
  }
  if constexpr (Be::host_memory) {
    if (s.rows > 0) {
      SHAPCA_TRY(scatter_rows(st.selected, x, st.scratch.row_index, s.rows, bt, s.c));
      x = st.selected;
    }
  }
  *out = x;
  return Status::ok;
}

// backward: dx0 (BT, C) is accumulated into; dout (BT, C) is not modified.
template <typename Be>
Status stack_backward_with(LayerStack& st, float* dx0, float* grads, const float* dout, const float* x0,
                           const float* params) {
  if (!st.training) return fail(Status::invalid_argument, "backward: the last forward did not keep activations");
  const int64_t n = st.shape.b * st.shape.t * st.shape.c;
  const float* dy = dout;
  for (int64_t l = static_cast<int64_t>(st.layers.size()) - 1; l >= 0; --l) {
    float* dx = l == 0 ? dx0 : ((l % 2) ? st.dx_a : st.dx_b);
    if (l != 0) SHAPCA_TRY(Be::zero(dx, n));
    const float* x = l == 0 ? x0 : layer_output(stack_acts(st, l - 1), st.shape.pre_norm);
    SHAPCA_TRY(layer_backward_with<Be>(dx, grads, dy, x, stack_acts(st, l), st.scratch, params, st.layers[l], st.shape));
    dy = dx;
  }
  if (st.layers.empty()) return Be::add_to(dx0, dout, n);
  return Status::ok;
}

}  // namespace shapca
