#include "transformer.h"

namespace shapca {

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

}  // namespace shapca
