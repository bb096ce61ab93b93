// Marshalling for the fusion-layer kernels: cross-attention, gate + LayerNorm tail, mean pooling.
#include "fusion.h"

#include "args.h"
#include "job.h"
#include "kernels/cross_attention.h"
#include "kernels/fusion.h"
#include "kernels/pooling.h"

namespace shapca::binding {

namespace {

Napi::Value CrossAttentionForward(const Napi::CallbackInfo& info) {
  Args a(info, "crossAttentionForward");
  const int64_t b = a.size("b"), tq = a.size("tq"), tk = a.size("tk"), c = a.size("c"), nh = a.size("nh");
  if (nh < 1 || c % nh != 0) a.range_error("expected nh >= 1 dividing c but received nh=" + std::to_string(nh));
  float* out = a.f32("out", product(a, {b, tq, c}), false);
  float* att = a.f32("att", product(a, {b, nh, tq, tk}), false);
  const float* q = a.f32("q", product(a, {b, tq, c}), true);
  const float* k = a.f32("k", product(a, {b, tk, c}), true);
  const float* v = a.f32("v", product(a, {b, tk, c}), true);
  const uint8_t* mask = a.u8("kvMask", product(a, {b, tk}), true);
  return run_job(a.env(), 2.0 * static_cast<double>(product(a, {b, tq, tk, c})), a.take_keep_alive(),
                 [=] { return cross_attention_forward(out, att, q, k, v, mask, dense_attention(b, tq, tk, c, nh)); });
}

Napi::Value CrossAttentionBackward(const Napi::CallbackInfo& info) {
  Args a(info, "crossAttentionBackward");
  const int64_t b = a.size("b"), tq = a.size("tq"), tk = a.size("tk"), c = a.size("c"), nh = a.size("nh");
  if (nh < 1 || c % nh != 0) a.range_error("expected nh >= 1 dividing c but received nh=" + std::to_string(nh));
  float* dq = a.f32("dq", product(a, {b, tq, c}), false);
  float* dk = a.f32("dk", product(a, {b, tk, c}), false);
  float* dv = a.f32("dv", product(a, {b, tk, c}), false);
  const float* dout = a.f32("dout", product(a, {b, tq, c}), true);
  const float* q = a.f32("q", product(a, {b, tq, c}), true);
  const float* k = a.f32("k", product(a, {b, tk, c}), true);
  const float* v = a.f32("v", product(a, {b, tk, c}), true);
  const float* att = a.f32("att", product(a, {b, nh, tq, tk}), true);
  return run_job(a.env(), 4.0 * static_cast<double>(product(a, {b, tq, tk, c})), a.take_keep_alive(),
                 [=] { return cross_attention_backward(dq, dk, dv, dout, q, k, v, att, dense_attention(b, tq, tk, c, nh)); });
}

Napi::Value FusionGateForward(const Napi::CallbackInfo& info) {
  Args a(info, "fusionGateForward");
  const int64_t b = a.size("b"), t = a.size("t"), c = a.size("c");
  const int64_t n = product(a, {b, t, c});
  float* out = a.f32("out", n, false);
  float* g = a.f32("g", n, false);
  float* mean = a.f32("mean", product(a, {b, t}), false);
  float* rstd = a.f32("rstd", product(a, {b, t}), false);
  const float* h = a.f32("h", n, true);
  const float* att = a.f32("a", n, true);
  const float* gp = a.f32("gatePre", n, true);
  const float* w = a.f32("lnWeight", c, true);
  const float* lb = a.f32("lnBias", c, true);
  const uint8_t* has_image = a.u8("hasImage", b, true);
  const double eps = a.number("eps", 1e-12);
  return run_job(a.env(), static_cast<double>(n) * 12, a.take_keep_alive(), [=] {
    return fusion_gate_forward(out, g, mean, rstd, h, att, gp, w, lb, has_image, b, t, c, static_cast<float>(eps));
  });
}

Napi::Value FusionGateBackward(const Napi::CallbackInfo& info) {
  Args a(info, "fusionGateBackward");
  const int64_t b = a.size("b"), t = a.size("t"), c = a.size("c");
  const int64_t n = product(a, {b, t, c});
  float* dh = a.f32("dh", n, false);
  float* da = a.f32("da", n, false);
  float* dgp = a.f32("dgatePre", n, false);
  float* dw = a.f32("dlnWeight", c, false, true);
  float* db = a.f32("dlnBias", c, false, true);
  const float* dout = a.f32("dout", n, true);
  const float* h = a.f32("h", n, true);
  const float* att = a.f32("a", n, true);
  const float* g = a.f32("g", n, true);
  const float* mean = a.f32("mean", product(a, {b, t}), true);
  const float* rstd = a.f32("rstd", product(a, {b, t}), true);
  const float* w = a.f32("lnWeight", c, true);
  const uint8_t* has_image = a.u8("hasImage", b, true);
  return run_job(a.env(), static_cast<double>(n) * 16, a.take_keep_alive(), [=] {
    return fusion_gate_backward(dh, da, dgp, dw, db, dout, h, att, g, mean, rstd, w, has_image, b, t, c);
  });
}

Napi::Value MeanPoolForward(const Napi::CallbackInfo& info) {
  Args a(info, "meanPoolForward");
  const int64_t b = a.size("b"), t = a.size("t"), c = a.size("c");
  float* out = a.f32("out", product(a, {b, c}), false);
  const float* x = a.f32("x", product(a, {b, t, c}), true);
  const float* w = a.f32("weights", product(a, {b, t}), true);
  return run_job(a.env(), static_cast<double>(product(a, {b, t, c})), a.take_keep_alive(),
                 [=] { return mean_pool_forward(out, x, w, b, t, c); });
}

Napi::Value MeanPoolBackward(const Napi::CallbackInfo& info) {
  Args a(info, "meanPoolBackward");
  const int64_t b = a.size("b"), t = a.size("t"), c = a.size("c");
  float* dx = a.f32("dx", product(a, {b, t, c}), false);
  const float* dout = a.f32("dout", product(a, {b, c}), true);
  const float* w = a.f32("weights", product(a, {b, t}), true);
  return run_job(a.env(), static_cast<double>(product(a, {b, t, c})), a.take_keep_alive(),
                 [=] { return mean_pool_backward(dx, dout, w, b, t, c); });
}

}  // namespace

void register_fusion(Napi::Env env, Napi::Object exports) {
  exports.Set("crossAttentionForward", Napi::Function::New(env, CrossAttentionForward, "crossAttentionForward"));
  exports.Set("crossAttentionBackward", Napi::Function::New(env, CrossAttentionBackward, "crossAttentionBackward"));
  exports.Set("fusionGateForward", Napi::Function::New(env, FusionGateForward, "fusionGateForward"));
  exports.Set("fusionGateBackward", Napi::Function::New(env, FusionGateBackward, "fusionGateBackward"));
  exports.Set("meanPoolForward", Napi::Function::New(env, MeanPoolForward, "meanPoolForward"));
  exports.Set("meanPoolBackward", Napi::Function::New(env, MeanPoolBackward, "meanPoolBackward"));
}

}  // namespace shapca::binding
