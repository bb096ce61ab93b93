// One transformer encoder layer, shared by BERT (post-LN) and ViT/CLIP (pre-LN).
//
// Post-LN (BERT):  a = Attn(x);  r1 = x + a·Wpᵀ;  n1 = LN1(r1);  f = act(n1·W1ᵀ);  r2 = n1 + f·W2ᵀ;  y = n2 = LN2(r2)
// Pre-LN (ViT):    n1 = LN1(x);  a = Attn(n1);  r1 = x + a·Wpᵀ;  n2 = LN2(r1);  f = act(n2·W1ᵀ);  y = r2 = r1 + f·W2ᵀ
// (biases omitted). Attn is the fused masked multi-head attention over qkv = input·Wqkvᵀ, where
// Wqkv (3C, C) is the query, key and value weights stored back to back.
// Shapes: x, y (BT, C); qkv (BT, 3C); att (B, NH, T, T); f (BT, I).
// Backward accumulates into dinp and the gradient buffer (same offsets as the parameters).
// act(f) is not saved: backward recomputes it (one element-wise pass instead of BT·I floats per
// layer).
#pragma once
#include <cstdint>
#include <string>

#include "../core/status.h"
#include "../kernels/linear_lowp.h"
#include "param_table.h"

namespace shapca {

enum class Activation : int { gelu = 0, quick_gelu = 1 };

struct LayerShape {
  int64_t b = 0, t = 0, c = 0, nh = 1, inter = 0;
  float eps = 1e-12f;
  Activation act = Activation::gelu;
  bool pre_norm = false;
};

// A layer's four linear weights packed for bf16 / int8 inference (stack_set_precision).
struct LayerPacked {
  PackedWeight qkv, proj, fc1, fc2;
};

// Offsets of one layer's tensors in the flat parameter (and gradient) buffer.
struct LayerOffsets {
  int64_t qkv_w, qkv_b;    // (3C, C), (3C)
  int64_t proj_w, proj_b;  // (C, C), (C)
  int64_t ln1_w, ln1_b;    // (C)
  int64_t fc1_w, fc1_b;    // (I, C), (I)
  int64_t fc2_w, fc2_b;    // (C, I), (C)
  int64_t ln2_w, ln2_b;    // (C)
  const LayerPacked* packed = nullptr;  // CPU inference at bf16 / int8: forward's weights
};

// HF module paths of a layer's parts (each gets ".weight" / ".bias").
struct LayerNames {
  const char *q, *k, *v, *proj, *ln1, *fc1, *fc2, *ln2;
};
// Adds one layer's 16 tensors to the table (HF names under prefix, e.g. "encoder.layer.3.").
LayerOffsets add_layer(ParamTable& table, const std::string& prefix, const LayerNames& names, int64_t c, int64_t inter);

// Saved activations of one layer (one set per layer when training; one set reused by every
// layer for inference: each layer writes its output last, after its input is dead).
struct LayerActs {
  float* qkv;           // (BT, 3C)
  float* att;           // (B, NH, T, T)
  float* atty;          // (BT, C) attention output before the projection
  float* res1;          // (BT, C)
  float* norm1;         // (BT, C)
  float *mean1, *rstd1; // (BT)
  float* fch;           // (BT, I) before the activation
  float* res2;          // (BT, C)
  float* norm2;         // (BT, C)
  float *mean2, *rstd2; // (BT)
};

// Buffers backward needs besides the saved activations; fcact is also forward's scratch.
struct LayerScratch {
  float* fcact;  // (BT, I)
  float* dfact;  // (BT, I)
  float* dres;   // (BT, C)
  float* dnorm;  // (BT, C)
  float* datty;  // (BT, C)
  float* dqkv;   // (BT, 3C)
};

// Floats one LayerActs set needs, and those of a LayerScratch.
int64_t layer_acts_floats(const LayerShape& s);
void layer_acts_carve(LayerActs* acts, float* base, const LayerShape& s);
inline float* layer_output(const LayerActs& a, bool pre_norm) { return pre_norm ? a.res2 : a.norm2; }

Status layer_forward(const LayerActs& acts, const LayerScratch& scratch, const float* inp, const uint8_t* mask,
                     const float* params, const LayerOffsets& o, const LayerShape& s);
Status layer_backward(float* dinp, float* grads, const float* dout, const float* inp, const LayerActs& acts,
                      const LayerScratch& scratch, const float* params, const LayerOffsets& o, const LayerShape& s);

}  // namespace shapca
