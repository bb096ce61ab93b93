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
#include <optional>
#include <string>

#include "../core/status.h"
#include "../kernels/gelu.h"
#include "../kernels/gemm.h"
#include "../kernels/linear_lowp.h"
#include "../kernels/row_select.h"
#include "param_table.h"

namespace shapca {

struct LayerShape {
  int64_t b = 0, t = 0, c = 0, nh = 1, inter = 0;
  // CPU inference over a padded batch: the row-wise steps run on these `rows` real tokens only
  // (LayerScratch::row_index; 0: on all b·t rows). Set per forward by stack_forward_with.
  int64_t rows = 0;
  // CPU inference (set per forward by stack_forward_with): nothing runs backward, so attention
  // keeps no probabilities (LayerActs::att is not written).
  bool inference = false;
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
  float* att;           // (B, NH, T, T), not written by CPU inference (LayerShape::inference)
  float* atty;          // (BT, C) attention output before the projection
  float* res1;          // (BT, C)
  float* norm1;         // (BT, C)
  float *mean1, *rstd1; // (BT)
  float* fch;           // (BT, I) before the activation (not written by CPU inference)
  float* res2;          // (BT, C)
  float* norm2;         // (BT, C)
  float *mean2, *rstd2; // (BT)
};

// The row stride of LayerScratch::fcact: CPU inference (LayerShape::inference) lays it out so that
// the second FFN map reads it where it lies (sgemm_direct_lda: 3072 becomes 3088); training keeps
// it dense, as backward reads it.
inline int64_t fcact_stride(int64_t inter, bool cpu_inference) { return cpu_inference ? sgemm_direct_lda(inter) : inter; }

// Buffers backward needs besides the saved activations; fcact is also forward's scratch.
struct LayerScratch {
  float* fcact;  // (BT, I), row stride fcact_stride
  float* dfact;  // (BT, I)
  float* dres;   // (BT, C)
  float* dnorm;  // (BT, C)
  float* datty;  // (BT, C)
  float* dqkv;   // (BT, 3C)
  // CPU inference only (LayerShape::rows): the real tokens' rows, and the padded (BT) copies of
  // qkv and of the attention output that attention reads and writes.
  int64_t* row_index = nullptr;  // (BT)
  float* pad_qkv = nullptr;      // (BT, 3C)
  float* pad_atty = nullptr;     // (BT, C)
};

// Floats one LayerActs set needs, and those of a LayerScratch.
int64_t layer_acts_floats(const LayerShape& s);
void layer_acts_carve(LayerActs* acts, float* base, const LayerShape& s);
inline float* layer_output(const LayerActs& a, bool pre_norm) { return pre_norm ? a.res2 : a.norm2; }

// The layer's steps, written once for any backend (backend.h): the CPU stack runs them with
// CpuBackend, the device stack with cuda::DeviceBackend.
template <typename Be>
Status act_forward_with(Activation a, float* out, const float* inp, int64_t n) {
  return a == Activation::quick_gelu ? Be::quick_gelu_forward(out, inp, n) : Be::gelu_forward(out, inp, n);
}

template <typename Be>
Status act_backward_with(Activation a, float* dinp, const float* inp, const float* dout, int64_t n) {
  return a == Activation::quick_gelu ? Be::quick_gelu_backward(dinp, inp, dout, n)
                                      : Be::gelu_backward(dinp, inp, dout, n);
}

// How layer_linear reads and writes its rows, on the CPU (the device path takes the defaults).
struct LinearIo {
  int64_t ldi = 0, ldo = 0;  // row strides; 0: dense ((BT,C), (BT,OC))
  bool accumulate = false;   // out += inp·Wᵀ + bias (no activation)
};

// One linear map of a layer, out = act(inp·Wᵀ + bias) (no act: the identity). On the CPU,
// linear_forward: the packed bf16 / int8 weight when the stack has one (stack_set_precision), else
// the fp32 one, with act applied to each finished tile; on the device, the backend's
// matmul_forward, then act.
template <typename Be>
Status layer_linear(float* out, const float* inp, const float* w, const PackedWeight* packed, const float* bias,
                    int64_t bt, int64_t c, int64_t oc, std::optional<Activation> act = {}, LinearIo io = {}) {
  if constexpr (Be::host_memory) {
    return linear_forward(out, io.ldo > 0 ? io.ldo : oc, inp, io.ldi > 0 ? io.ldi : c, WeightView{w, packed}, bias, bt, c,
                          oc, act, io.accumulate);
  } else {
    if ((io.ldi > 0 && io.ldi != c) || (io.ldo > 0 && io.ldo != oc) || io.accumulate) {
      return fail(Status::invalid_argument, "layer_linear: the device path takes dense rows and overwrites out");
    }
    SHAPCA_TRY(Be::matmul_forward(out, inp, w, bias, bt, c, oc));
    return act ? act_forward_with<Be>(*act, out, out, bt * oc) : Status::ok;
  }
}

// The order of writes matters for inference, where every layer shares one LayerActs set and the
// input is the previous layer's output inside it: the output is written last.
// CPU inference (fp32, bf16 or int8 weights) keeps the residual stream in the output buffer itself:
// the projection and the second FFN map add their products to it in their tiles' stores (beta = 1
// in SGEMM, accumulate in the bf16 / int8 tiles) instead of writing res1 / res2 and adding the
// residual in a pass each. Every layer's input but
// the first's is already there; the first layer copies its input in.
template <typename Be>
Status layer_forward_with(const LayerActs& a, const LayerScratch& sc, const float* inp, const uint8_t* mask,
                          const float* params, const LayerOffsets& o, const LayerShape& s) {
  const int64_t bt = s.rows > 0 ? s.rows : s.b * s.t, c = s.c, in = s.inter;
  const float* p = params;
  float* att = s.inference ? nullptr : a.att;
  const bool in_place = s.inference;
  float* stream = in_place ? layer_output(a, s.pre_norm) : nullptr;
  if (in_place && inp != stream) SHAPCA_TRY(Be::copy_to(stream, inp, bt * c));
  const float* x = in_place ? stream : inp;
  const float* attn_in = x;
  if (s.pre_norm) {
    SHAPCA_TRY(Be::layernorm_forward(a.norm1, a.mean1, a.rstd1, x, p + o.ln1_w, p + o.ln1_b, bt, c, s.eps));
    attn_in = a.norm1;
  }
  SHAPCA_TRY(layer_linear<Be>(a.qkv, attn_in, p + o.qkv_w, o.packed ? &o.packed->qkv : nullptr, p + o.qkv_b, bt, c, 3 * c));
  if constexpr (Be::host_memory) {
    if (s.rows > 0) {  // padded rows: zero queries, keys and values (the mask drops them as keys)
      SHAPCA_TRY(scatter_rows(sc.pad_qkv, a.qkv, sc.row_index, s.rows, s.b * s.t, 3 * c));
      SHAPCA_TRY(Be::attention_forward(sc.pad_atty, att, sc.pad_qkv, mask, s.b, s.t, c, s.nh));
      SHAPCA_TRY(gather_rows(a.atty, sc.pad_atty, sc.row_index, s.rows, c));
    }
  }
  if (s.rows == 0) SHAPCA_TRY(Be::attention_forward(a.atty, att, a.qkv, mask, s.b, s.t, c, s.nh));
  // r1 = x + atty·Wpᵀ + b
  float* r1 = in_place ? stream : a.res1;
  SHAPCA_TRY(layer_linear<Be>(r1, a.atty, p + o.proj_w, o.packed ? &o.packed->proj : nullptr, p + o.proj_b, bt, c, c,
                              std::nullopt, LinearIo{0, 0, in_place}));
  if (!in_place) SHAPCA_TRY(Be::add_to(a.res1, inp, bt * c));  // inp is dead after this line
  const float* ffn_in;
  if (s.pre_norm) {
    SHAPCA_TRY(Be::layernorm_forward(a.norm2, a.mean2, a.rstd2, r1, p + o.ln2_w, p + o.ln2_b, bt, c, s.eps));
    ffn_in = a.norm2;
  } else {
    SHAPCA_TRY(Be::layernorm_forward(a.norm1, a.mean1, a.rstd1, r1, p + o.ln1_w, p + o.ln1_b, bt, c, s.eps));
    ffn_in = a.norm1;
  }
  const PackedWeight* fc1 = o.packed ? &o.packed->fc1 : nullptr;
  const int64_t ldf = fcact_stride(s.inter, s.inference);
  if (s.inference) {  // nothing needs the pre-activation: fc1 writes act(·) into fcact itself
    SHAPCA_TRY(layer_linear<Be>(sc.fcact, ffn_in, p + o.fc1_w, fc1, p + o.fc1_b, bt, c, in, s.act, LinearIo{c, ldf}));
  } else {
    SHAPCA_TRY(layer_linear<Be>(a.fch, ffn_in, p + o.fc1_w, fc1, p + o.fc1_b, bt, c, in));
    SHAPCA_TRY(act_forward_with<Be>(s.act, sc.fcact, a.fch, bt * in));
  }
  // r2 = (pre-LN: r1, post-LN: n1) + f·W2ᵀ + b
  float* r2 = in_place ? (s.pre_norm ? stream : a.norm1) : a.res2;
  SHAPCA_TRY(layer_linear<Be>(r2, sc.fcact, p + o.fc2_w, o.packed ? &o.packed->fc2 : nullptr, p + o.fc2_b, bt, in, c,
                              std::nullopt, LinearIo{ldf, 0, in_place}));
  if (!in_place) SHAPCA_TRY(Be::add_to(a.res2, s.pre_norm ? a.res1 : a.norm1, bt * c));
  if (!s.pre_norm) {
    SHAPCA_TRY(Be::layernorm_forward(a.norm2, a.mean2, a.rstd2, r2, p + o.ln2_w, p + o.ln2_b, bt, c, s.eps));
  }
  return Status::ok;
}

template <typename Be>
Status layer_backward_with(float* dinp, float* grads, const float* dout, const float* inp, const LayerActs& a,
                           const LayerScratch& sc, const float* params, const LayerOffsets& o, const LayerShape& s) {
  const int64_t bt = s.b * s.t, c = s.c, in = s.inter;
  const float* p = params;
  float* g = grads;
  float* dfch = sc.fcact;  // reused once the activation's weight gradient is done
  SHAPCA_TRY(act_forward_with<Be>(s.act, sc.fcact, a.fch, bt * in));
  SHAPCA_TRY(Be::zero(sc.dfact, bt * in));

  // FFN block; dres ends as the gradient of r1.
  const float* dr2 = dout;
  if (!s.pre_norm) {
    SHAPCA_TRY(Be::zero(sc.dres, bt * c));
    SHAPCA_TRY(Be::layernorm_backward(sc.dres, g + o.ln2_w, g + o.ln2_b, dout, a.res2, p + o.ln2_w, a.mean2, a.rstd2, bt, c));
    dr2 = sc.dres;
  }
  SHAPCA_TRY(Be::matmul_backward(sc.dfact, g + o.fc2_w, g + o.fc2_b, dr2, sc.fcact, p + o.fc2_w, bt, in, c));
  SHAPCA_TRY(Be::zero(dfch, bt * in));
  SHAPCA_TRY(act_backward_with<Be>(s.act, dfch, a.fch, sc.dfact, bt * in));
  if (!s.pre_norm) {
    SHAPCA_TRY(Be::copy_to(sc.dnorm, sc.dres, bt * c));  // r2 = n1 + ...
    SHAPCA_TRY(Be::matmul_backward(sc.dnorm, g + o.fc1_w, g + o.fc1_b, dfch, a.norm1, p + o.fc1_w, bt, c, in));
    SHAPCA_TRY(Be::zero(sc.dres, bt * c));
    SHAPCA_TRY(Be::layernorm_backward(sc.dres, g + o.ln1_w, g + o.ln1_b, sc.dnorm, a.res1, p + o.ln1_w, a.mean1, a.rstd1, bt, c));
  } else {
    SHAPCA_TRY(Be::copy_to(sc.dres, dout, bt * c));  // r2 = r1 + ...
    SHAPCA_TRY(Be::zero(sc.dnorm, bt * c));
    SHAPCA_TRY(Be::matmul_backward(sc.dnorm, g + o.fc1_w, g + o.fc1_b, dfch, a.norm2, p + o.fc1_w, bt, c, in));
    SHAPCA_TRY(Be::layernorm_backward(sc.dres, g + o.ln2_w, g + o.ln2_b, sc.dnorm, a.res1, p + o.ln2_w, a.mean2, a.rstd2, bt, c));
  }

  // Attention block: r1 = x + proj(attn(·)).
  SHAPCA_TRY(Be::add_to(dinp, sc.dres, bt * c));
  SHAPCA_TRY(Be::zero(sc.datty, bt * c));
  SHAPCA_TRY(Be::matmul_backward(sc.datty, g + o.proj_w, g + o.proj_b, sc.dres, a.atty, p + o.proj_w, bt, c, c));
  SHAPCA_TRY(Be::zero(sc.dqkv, bt * 3 * c));
  SHAPCA_TRY(Be::attention_backward(sc.dqkv, sc.datty, a.qkv, a.att, s.b, s.t, c, s.nh));
  if (!s.pre_norm) {
    return Be::matmul_backward(dinp, g + o.qkv_w, g + o.qkv_b, sc.dqkv, inp, p + o.qkv_w, bt, c, 3 * c);
  }
  SHAPCA_TRY(Be::zero(sc.dnorm, bt * c));
  SHAPCA_TRY(Be::matmul_backward(sc.dnorm, g + o.qkv_w, g + o.qkv_b, sc.dqkv, a.norm1, p + o.qkv_w, bt, c, 3 * c));
  return Be::layernorm_backward(dinp, g + o.ln1_w, g + o.ln1_b, sc.dnorm, inp, p + o.ln1_w, a.mean1, a.rstd1, bt, c);
}

}  // namespace shapca
