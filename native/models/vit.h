// Vision transformers: HF ViTModel and the CLIP vision tower (HF CLIPVisionModel).
//   pe = PatchEmbed(pixels)                                    (B, NP, C), NP = (S/P)², T = NP + 1
//   e[b,0] = cls + pos[0];  e[b,1+p] = pe[b,p] + pos[1+p]      (B, T, C)
//   ViT:  x0 = e;             pre-LN layers, exact GELU;  last = LN(x_L);  pooled = tanh(last[:,0]·Wpᵀ + bp)
//   CLIP: x0 = LN_pre(e);     pre-LN layers, quick GELU;  last = x_L;      pooled = LN_post(x_L[:,0])
// Parameters use HF names without the "vit." / "vision_model." prefix (embeddings.cls_token,
// encoder.layer.N.layernorm_before.weight, ... or embeddings.class_embedding,
// encoder.layers.N.self_attn.q_proj.weight, pre_layrnorm.weight [sic], post_layernorm.weight).
// Backward takes dlast and/or dpooled and accumulates every parameter gradient and, when asked,
// dpixels.
#pragma once
#include <cstdint>

#include "encoder_stack.h"
#include "param_table.h"

namespace shapca {

enum class VitKind : int { vit = 0, clip = 1 };

struct VitConfig {
  VitKind kind = VitKind::vit;
  int64_t image_size = 224, patch = 16, channels = 3;
  int64_t hidden = 768, layers = 12, heads = 12, intermediate = 3072;
  float eps = 1e-12f;
  Activation act = Activation::gelu;
  bool pooler = false;  // ViT only: the tanh pooler
};

// The buffers of the last batch, in the memory of the backend that ran it (host memory for
// VitModel, device memory for the CUDA model), planned per forward in one arena.
struct VitActs {
  float *pixels = nullptr, *dpixels = nullptr;                      // (B, CH, S, S), device only; dpixels training
  float *patches = nullptr, *pe = nullptr;                          // (B, NP, K), (B, NP, C)
  float *emb = nullptr, *x0 = nullptr;                              // (BT, C); x0 CLIP only
  float *pre_mean = nullptr, *pre_rstd = nullptr;                   // (BT), CLIP
  const float* xl = nullptr;                                        // (BT, C), the stack's output
  float *last = nullptr, *fin_mean = nullptr, *fin_rstd = nullptr;  // ViT: (BT, C), (BT); CLIP: -, (B)
  float *cls_rows = nullptr, *pooled = nullptr;                     // (B, C)
  float *dpre = nullptr, *dpooled = nullptr;                        // (B, C), training only; dpooled: device
  float *dy = nullptr, *dxl = nullptr, *dx0 = nullptr, *dpe = nullptr;  // training only
};

struct VitModel {
  VitConfig cfg;
  ParamTable table;
  int64_t np = 0, t = 0;  // patches and tokens per image
  int64_t cls = 0, pos = 0, patch_w = 0, patch_b = -1, pre_w = -1, pre_b = -1, fin_w = 0, fin_b = 0;
  int64_t pool_w = -1, pool_b = -1;
  LayerStack stack;
  float* params = nullptr;  // (table.total()), owned by the caller
  float* grads = nullptr;

  // What the last forward kept (sized for b images).
  Arena arena;
  int64_t b = 0;
  bool saved = false;
  VitActs acts;
};

Status vit_init(VitModel* m, const VitConfig& cfg);
// pixels is (B, channels, S, S); last_hidden (B, T, C); pooled (B, C) or null.
Status vit_forward(VitModel& m, float* last_hidden, float* pooled, const float* pixels, int64_t b, bool for_backward);
// dlast (B, T, C) and dpooled (B, C) may each be null; dpixels (B, channels, S, S) is accumulated
// when not null.
Status vit_backward(VitModel& m, float* dpixels, const float* dlast, const float* dpooled);

}  // namespace shapca
