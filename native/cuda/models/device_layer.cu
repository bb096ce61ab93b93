#include "core/status.h"
#include "cuda/attention.h"
#include "cuda/gelu.h"
#include "cuda/gemm.h"
#include "cuda/layernorm.h"
#include "device_layer.h"
#include "device_ops.h"

namespace shapca::cuda {

namespace {

Status act_forward(Activation a, float* out, const float* inp, int64_t n) {
  return a == Activation::quick_gelu ? quick_gelu_forward(out, inp, n) : gelu_forward(out, inp, n);
}

Status act_backward(Activation a, float* dinp, const float* inp, const float* dout, int64_t n) {
  return a == Activation::quick_gelu ? quick_gelu_backward(dinp, inp, dout, n) : gelu_backward(dinp, inp, dout, n);
}

}  // namespace

// The order of writes matters for inference, where every layer shares one LayerActs set and the
// input is the previous layer's output inside it: the output is written last.
Status device_layer_forward(const LayerActs& a, const LayerScratch& sc, const float* inp, const uint8_t* mask,
                            const float* params, const LayerOffsets& o, const LayerShape& s) {
  const int64_t bt = s.b * s.t, c = s.c, in = s.inter;
  const float* p = params;
  const float* attn_in = inp;
  if (s.pre_norm) {
    SHAPCA_TRY(layernorm_forward(a.norm1, a.mean1, a.rstd1, inp, p + o.ln1_w, p + o.ln1_b, bt, c, s.eps));
    attn_in = a.norm1;
  }
  SHAPCA_TRY(matmul_forward(a.qkv, attn_in, p + o.qkv_w, p + o.qkv_b, bt, c, 3 * c));
  SHAPCA_TRY(attention_forward(a.atty, a.att, a.qkv, mask, s.b, s.t, c, s.nh));
  SHAPCA_TRY(matmul_forward(a.res1, a.atty, p + o.proj_w, p + o.proj_b, bt, c, c));
  SHAPCA_TRY(add_to(a.res1, inp, bt * c));  // inp is dead after this line
  const float* ffn_in;
  if (s.pre_norm) {
    SHAPCA_TRY(layernorm_forward(a.norm2, a.mean2, a.rstd2, a.res1, p + o.ln2_w, p + o.ln2_b, bt, c, s.eps));
    ffn_in = a.norm2;
  } else {
    SHAPCA_TRY(layernorm_forward(a.norm1, a.mean1, a.rstd1, a.res1, p + o.ln1_w, p + o.ln1_b, bt, c, s.eps));
    ffn_in = a.norm1;
  }
  SHAPCA_TRY(matmul_forward(a.fch, ffn_in, p + o.fc1_w, p + o.fc1_b, bt, c, in));
  SHAPCA_TRY(act_forward(s.act, sc.fcact, a.fch, bt * in));
  SHAPCA_TRY(matmul_forward(a.res2, sc.fcact, p + o.fc2_w, p + o.fc2_b, bt, in, c));
  SHAPCA_TRY(add_to(a.res2, s.pre_norm ? a.res1 : a.norm1, bt * c));
  if (!s.pre_norm) {
    SHAPCA_TRY(layernorm_forward(a.norm2, a.mean2, a.rstd2, a.res2, p + o.ln2_w, p + o.ln2_b, bt, c, s.eps));
  }
  return Status::ok;
}

Status device_layer_backward(float* dinp, float* grads, const float* dout, const float* inp, const LayerActs& a,
                             const LayerScratch& sc, const float* params, const LayerOffsets& o,
                             const LayerShape& s) {
  const int64_t bt = s.b * s.t, c = s.c, in = s.inter;
  const float* p = params;
  float* g = grads;
  float* dfch = sc.fcact;  // reused once the activation's weight gradient is done
  SHAPCA_TRY(act_forward(s.act, sc.fcact, a.fch, bt * in));
  SHAPCA_TRY(zero(sc.dfact, bt * in));

  // FFN block; dres ends as the gradient of r1.
  const float* dr2 = dout;
  if (!s.pre_norm) {
    SHAPCA_TRY(zero(sc.dres, bt * c));
    SHAPCA_TRY(layernorm_backward(sc.dres, g + o.ln2_w, g + o.ln2_b, dout, a.res2, p + o.ln2_w, a.mean2, a.rstd2, bt, c));
    dr2 = sc.dres;
  }
  SHAPCA_TRY(matmul_backward(sc.dfact, g + o.fc2_w, g + o.fc2_b, dr2, sc.fcact, p + o.fc2_w, bt, in, c));
  SHAPCA_TRY(zero(dfch, bt * in));
  SHAPCA_TRY(act_backward(s.act, dfch, a.fch, sc.dfact, bt * in));
  if (!s.pre_norm) {
    SHAPCA_TRY(copy_to(sc.dnorm, sc.dres, bt * c));  // r2 = n1 + ...
    SHAPCA_TRY(matmul_backward(sc.dnorm, g + o.fc1_w, g + o.fc1_b, dfch, a.norm1, p + o.fc1_w, bt, c, in));
    SHAPCA_TRY(zero(sc.dres, bt * c));
    SHAPCA_TRY(layernorm_backward(sc.dres, g + o.ln1_w, g + o.ln1_b, sc.dnorm, a.res1, p + o.ln1_w, a.mean1, a.rstd1, bt, c));
  } else {
    SHAPCA_TRY(copy_to(sc.dres, dout, bt * c));  // r2 = r1 + ...
    SHAPCA_TRY(zero(sc.dnorm, bt * c));
    SHAPCA_TRY(matmul_backward(sc.dnorm, g + o.fc1_w, g + o.fc1_b, dfch, a.norm2, p + o.fc1_w, bt, c, in));
    SHAPCA_TRY(layernorm_backward(sc.dres, g + o.ln2_w, g + o.ln2_b, sc.dnorm, a.res1, p + o.ln2_w, a.mean2, a.rstd2, bt, c));
  }

  // Attention block: r1 = x + proj(attn(·)).
  SHAPCA_TRY(add_to(dinp, sc.dres, bt * c));
  SHAPCA_TRY(zero(sc.datty, bt * c));
  SHAPCA_TRY(matmul_backward(sc.datty, g + o.proj_w, g + o.proj_b, sc.dres, a.atty, p + o.proj_w, bt, c, c));
  SHAPCA_TRY(zero(sc.dqkv, bt * 3 * c));
  SHAPCA_TRY(attention_backward(sc.dqkv, sc.datty, a.qkv, a.att, s.b, s.t, c, s.nh));
  if (!s.pre_norm) {
    return matmul_backward(dinp, g + o.qkv_w, g + o.qkv_b, sc.dqkv, inp, p + o.qkv_w, bt, c, 3 * c);
  }
  SHAPCA_TRY(zero(sc.dnorm, bt * c));
  SHAPCA_TRY(matmul_backward(sc.dnorm, g + o.qkv_w, g + o.qkv_b, sc.dqkv, a.norm1, p + o.qkv_w, bt, c, 3 * c));
  return layernorm_backward(dinp, g + o.ln1_w, g + o.ln1_b, sc.dnorm, inp, p + o.ln1_w, a.mean1, a.rstd1, bt, c);
}

}  // namespace shapca::cuda
