#include "transformer.h"

#include "../kernels/attention.h"
#include "../kernels/gelu.h"
#include "../kernels/gemm.h"
#include "../kernels/layernorm.h"
#include "../kernels/linear_lowp.h"
#include "param_table.h"
#include "vec_ops.h"

namespace shapca {

namespace {

Status act_forward(Activation a, float* out, const float* inp, int64_t n) {
  return a == Activation::quick_gelu ? quick_gelu_forward(out, inp, n) : gelu_forward(out, inp, n);
}

Status act_backward(Activation a, float* dinp, const float* inp, const float* dout, int64_t n) {
  return a == Activation::quick_gelu ? quick_gelu_backward(dinp, inp, dout, n) : gelu_backward(dinp, inp, dout, n);
}

}  // namespace

LayerOffsets add_layer(ParamTable& t, const std::string& prefix, const LayerNames& n, int64_t c, int64_t inter) {
  auto name = [&](const char* module, const char* leaf) { return prefix + module + "." + leaf; };
  LayerOffsets o{};
  o.qkv_w = t.add(name(n.q, "weight"), {c, c}, ParamInit::normal);  // q, k, v back to back: Wqkv (3C, C)
  t.add(name(n.k, "weight"), {c, c}, ParamInit::normal);
  t.add(name(n.v, "weight"), {c, c}, ParamInit::normal);
  o.qkv_b = t.add(name(n.q, "bias"), {c}, ParamInit::zeros);
  t.add(name(n.k, "bias"), {c}, ParamInit::zeros);
  t.add(name(n.v, "bias"), {c}, ParamInit::zeros);
  o.proj_w = t.add(name(n.proj, "weight"), {c, c}, ParamInit::normal);
  o.proj_b = t.add(name(n.proj, "bias"), {c}, ParamInit::zeros);
  o.ln1_w = t.add(name(n.ln1, "weight"), {c}, ParamInit::ones);
  o.ln1_b = t.add(name(n.ln1, "bias"), {c}, ParamInit::zeros);
  o.fc1_w = t.add(name(n.fc1, "weight"), {inter, c}, ParamInit::normal);
  o.fc1_b = t.add(name(n.fc1, "bias"), {inter}, ParamInit::zeros);
  o.fc2_w = t.add(name(n.fc2, "weight"), {c, inter}, ParamInit::normal);
  o.fc2_b = t.add(name(n.fc2, "bias"), {c}, ParamInit::zeros);
  o.ln2_w = t.add(name(n.ln2, "weight"), {c}, ParamInit::ones);
  o.ln2_b = t.add(name(n.ln2, "bias"), {c}, ParamInit::zeros);
  return o;
}

int64_t layer_acts_floats(const LayerShape& s) {
  const int64_t bt = s.b * s.t;
  return bt * (3 * s.c) + s.b * s.nh * s.t * s.t + bt * s.c * 5 + bt * s.inter + bt * 4;
}

void layer_acts_carve(LayerActs* a, float* base, const LayerShape& s) {
  const int64_t bt = s.b * s.t;
  float* at = base;
  auto take = [&](int64_t n) {
    float* p = at;
    at += n;
    return p;
  };
  a->qkv = take(bt * 3 * s.c);
  a->att = take(s.b * s.nh * s.t * s.t);
  a->atty = take(bt * s.c);
  a->res1 = take(bt * s.c);
  a->norm1 = take(bt * s.c);
  a->mean1 = take(bt);
  a->rstd1 = take(bt);
  a->fch = take(bt * s.inter);
  a->res2 = take(bt * s.c);
  a->norm2 = take(bt * s.c);
  a->mean2 = take(bt);
  a->rstd2 = take(bt);
}

Status layer_forward(const LayerActs& a, const LayerScratch& sc, const float* inp, const uint8_t* mask,
                     const float* params, const LayerOffsets& o, const LayerShape& s) {
  const int64_t bt = s.b * s.t, c = s.c, in = s.inter;
  const float* p = params;
  const LayerPacked* pk = o.packed;  // null: the fp32 weights in params
  const float* attn_in = inp;
  if (s.pre_norm) {
    SHAPCA_TRY(layernorm_forward(a.norm1, a.mean1, a.rstd1, inp, p + o.ln1_w, p + o.ln1_b, bt, c, s.eps));
    attn_in = a.norm1;
  }
  SHAPCA_TRY(linear_forward(a.qkv, attn_in, {p + o.qkv_w, pk ? &pk->qkv : nullptr}, p + o.qkv_b, bt, c, 3 * c));
  SHAPCA_TRY(attention_forward(a.atty, a.att, a.qkv, mask, s.b, s.t, c, s.nh));
  SHAPCA_TRY(linear_forward(a.res1, a.atty, {p + o.proj_w, pk ? &pk->proj : nullptr}, p + o.proj_b, bt, c, c));
  SHAPCA_TRY(add_to(a.res1, inp, bt * c));  // inp is dead after this line
  const float* ffn_in;
  if (s.pre_norm) {
    SHAPCA_TRY(layernorm_forward(a.norm2, a.mean2, a.rstd2, a.res1, p + o.ln2_w, p + o.ln2_b, bt, c, s.eps));
    ffn_in = a.norm2;
  } else {
    SHAPCA_TRY(layernorm_forward(a.norm1, a.mean1, a.rstd1, a.res1, p + o.ln1_w, p + o.ln1_b, bt, c, s.eps));
    ffn_in = a.norm1;
  }
  SHAPCA_TRY(linear_forward(a.fch, ffn_in, {p + o.fc1_w, pk ? &pk->fc1 : nullptr}, p + o.fc1_b, bt, c, in));
  SHAPCA_TRY(act_forward(s.act, sc.fcact, a.fch, bt * in));
  SHAPCA_TRY(linear_forward(a.res2, sc.fcact, {p + o.fc2_w, pk ? &pk->fc2 : nullptr}, p + o.fc2_b, bt, in, c));
  SHAPCA_TRY(add_to(a.res2, s.pre_norm ? a.res1 : a.norm1, bt * c));
  if (!s.pre_norm) {
    SHAPCA_TRY(layernorm_forward(a.norm2, a.mean2, a.rstd2, a.res2, p + o.ln2_w, p + o.ln2_b, bt, c, s.eps));
  }
  return Status::ok;
}

Status layer_backward(float* dinp, float* grads, const float* dout, const float* inp, const LayerActs& a,
                      const LayerScratch& sc, const float* params, const LayerOffsets& o, const LayerShape& s) {
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

}  // namespace shapca
