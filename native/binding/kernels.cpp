// Marshalling for the kernel families: read and check the options object, then hand plain
// pointers and sizes to the native core. No math here.
#include "kernels.h"

#include "args.h"
#include "job.h"
#include "kernels/adamw.h"
#include "kernels/embedding.h"
#include "kernels/gelu.h"
#include "kernels/gemm.h"
#include "kernels/layernorm.h"
#include "kernels/softmax.h"

namespace shapca::binding {

namespace {

Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  Args a(info, "sgemm");
  const bool ta = a.boolean("transA", false), tb = a.boolean("transB", false);
  const int64_t m = a.size("m"), n = a.size("n"), k = a.size("k");
  const int64_t lda = a.integer("lda", 1, kMaxDim, ta ? std::max<int64_t>(m, 1) : std::max<int64_t>(k, 1));
  const int64_t ldb = a.integer("ldb", 1, kMaxDim, tb ? std::max<int64_t>(k, 1) : std::max<int64_t>(n, 1));
  const int64_t ldc = a.integer("ldc", 1, kMaxDim, std::max<int64_t>(n, 1));
  if (lda < (ta ? m : k)) a.range_error("expected lda >= " + std::to_string(ta ? m : k) + " but received " + std::to_string(lda));
  if (ldb < (tb ? k : n)) a.range_error("expected ldb >= " + std::to_string(tb ? k : n) + " but received " + std::to_string(ldb));
  if (ldc < n) a.range_error("expected ldc >= " + std::to_string(n) + " but received " + std::to_string(ldc));
  const float alpha = static_cast<float>(a.number("alpha", 1.0)), beta = static_cast<float>(a.number("beta", 0.0));
  product(a, {m, n, k});
  const float* pa = a.f32("a", ta ? strided_extent(k, m, lda) : strided_extent(m, k, lda), true);
  const float* pb = a.f32("b", tb ? strided_extent(n, k, ldb) : strided_extent(k, n, ldb), true);
  float* pc = a.f32("c", strided_extent(m, n, ldc), beta != 0.0f);
  const float* bias = a.f32("bias", n, true, true);
  a.refuse_overlap("c", {"a", "b", "bias"});
  return run_job(a.env(), static_cast<double>(m) * n * k, a.take_keep_alive(), [=] {
    return sgemm(ta, tb, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, bias);
  });
}

Napi::Value MatmulForward(const Napi::CallbackInfo& info) {
  Args a(info, "matmulForward");
  const int64_t bt = a.size("bt"), c = a.size("c"), oc = a.size("oc");
  float* out = a.f32("out", product(a, {bt, oc}), false);
  const float* inp = a.f32("inp", product(a, {bt, c}), true);
  const float* w = a.f32("weight", product(a, {oc, c}), true);
  const float* bias = a.f32("bias", oc, true, true);
  a.refuse_overlap("out", {"inp", "weight", "bias"});
  return run_job(a.env(), static_cast<double>(product(a, {bt, c, oc})), a.take_keep_alive(),
                 [=] { return matmul_forward(out, inp, w, bias, bt, c, oc); });
}

Napi::Value MatmulBackward(const Napi::CallbackInfo& info) {
  Args a(info, "matmulBackward");
  const int64_t bt = a.size("bt"), c = a.size("c"), oc = a.size("oc");
  float* dinp = a.f32("dinp", product(a, {bt, c}), false, true);
  float* dw = a.f32("dweight", product(a, {oc, c}), false, true);
  float* db = a.f32("dbias", oc, false, true);
  const float* dout = a.f32("dout", product(a, {bt, oc}), true);
  const float* inp = a.f32("inp", product(a, {bt, c}), true);
  const float* w = a.f32("weight", product(a, {oc, c}), true);
  for (const char* d : {"dinp", "dweight", "dbias"}) a.refuse_overlap(d, {"dout", "inp", "weight"});
  a.refuse_overlap("dinp", {"dweight", "dbias"});
  a.refuse_overlap("dweight", {"dbias"});
  return run_job(a.env(), 2.0 * static_cast<double>(product(a, {bt, c, oc})), a.take_keep_alive(),
                 [=] { return matmul_backward(dinp, dw, db, dout, inp, w, bt, c, oc); });
}

Napi::Value SoftmaxForward(const Napi::CallbackInfo& info) {
  Args a(info, "softmaxForward");
  const int64_t rows = a.size("rows"), cols = a.size("cols");
  const int64_t n = product(a, {rows, cols});
  float* out = a.f32("out", n, false);
  const float* inp = a.f32("inp", n, true);
  const uint8_t* mask = a.u8("mask", n, true);
  const float scale = static_cast<float>(a.number("scale", 1.0));
  return run_job(a.env(), static_cast<double>(n) * 8, a.take_keep_alive(),
                 [=] { return softmax_forward(out, inp, mask, rows, cols, scale); });
}

Napi::Value SoftmaxBackward(const Napi::CallbackInfo& info) {
  Args a(info, "softmaxBackward");
  const int64_t rows = a.size("rows"), cols = a.size("cols");
  const int64_t n = product(a, {rows, cols});
  float* dinp = a.f32("dinp", n, false);
  const float* dout = a.f32("dout", n, true);
  const float* out = a.f32("out", n, true);
  const float scale = static_cast<float>(a.number("scale", 1.0));
  return run_job(a.env(), static_cast<double>(n) * 4, a.take_keep_alive(),
                 [=] { return softmax_backward(dinp, dout, out, rows, cols, scale); });
}

Napi::Value LayernormForward(const Napi::CallbackInfo& info) {
  Args a(info, "layernormForward");
  const int64_t n = a.size("n"), c = a.size("c");
  const int64_t nc = product(a, {n, c});
  float* out = a.f32("out", nc, false);
  float* mean = a.f32("mean", n, false);
  float* rstd = a.f32("rstd", n, false);
  const float* inp = a.f32("inp", nc, true);
  const float* w = a.f32("weight", c, true);
  const float* b = a.f32("bias", c, true);
  const double eps = a.number("eps", 1e-5);
  if (eps < 0) a.range_error("expected eps >= 0 but received " + std::to_string(eps));
  return run_job(a.env(), static_cast<double>(nc) * 4, a.take_keep_alive(),
                 [=] { return layernorm_forward(out, mean, rstd, inp, w, b, n, c, static_cast<float>(eps)); });
}

Napi::Value LayernormBackward(const Napi::CallbackInfo& info) {
  Args a(info, "layernormBackward");
  const int64_t n = a.size("n"), c = a.size("c");
  const int64_t nc = product(a, {n, c});
  float* dinp = a.f32("dinp", nc, false);
  float* dw = a.f32("dweight", c, false, true);
  float* db = a.f32("dbias", c, false, true);
  const float* dout = a.f32("dout", nc, true);
  const float* inp = a.f32("inp", nc, true);
  const float* w = a.f32("weight", c, true);
  const float* mean = a.f32("mean", n, true);
  const float* rstd = a.f32("rstd", n, true);
  return run_job(a.env(), static_cast<double>(nc) * 6, a.take_keep_alive(),
                 [=] { return layernorm_backward(dinp, dw, db, dout, inp, w, mean, rstd, n, c); });
}

Napi::Value GeluForward(const Napi::CallbackInfo& info) {
  Args a(info, "geluForward");
  const bool quick = a.choice("kind", {"exact", "quick"}, "exact") == "quick";
  const int64_t n = a.size("n");
  float* out = a.f32("out", n, false);
  const float* inp = a.f32("inp", n, true);
  return run_job(a.env(), static_cast<double>(n) * 16, a.take_keep_alive(),
                 [=] { return quick ? quick_gelu_forward(out, inp, n) : gelu_forward(out, inp, n); });
}

Napi::Value GeluBackward(const Napi::CallbackInfo& info) {
  Args a(info, "geluBackward");
  const bool quick = a.choice("kind", {"exact", "quick"}, "exact") == "quick";
  const int64_t n = a.size("n");
  float* dinp = a.f32("dinp", n, false);
  const float* inp = a.f32("inp", n, true);
  const float* dout = a.f32("dout", n, true);
  return run_job(a.env(), static_cast<double>(n) * 16, a.take_keep_alive(), [=] {
    return quick ? quick_gelu_backward(dinp, inp, dout, n) : gelu_backward(dinp, inp, dout, n);
  });
}

Napi::Value EmbeddingForward(const Napi::CallbackInfo& info) {
  Args a(info, "embeddingForward");
  const int64_t n_ids = a.size("nIds"), vocab = a.size("vocab"), c = a.size("c");
  float* out = a.f32("out", product(a, {n_ids, c}), false);
  const int32_t* ids = a.i32("ids", n_ids);
  const float* table = a.f32("table", product(a, {vocab, c}), false);
  return run_job(a.env(), static_cast<double>(n_ids) * c, a.take_keep_alive(),
                 [=] { return embedding_forward(out, ids, table, n_ids, vocab, c); });
}

Napi::Value EmbeddingBackward(const Napi::CallbackInfo& info) {
  Args a(info, "embeddingBackward");
  const int64_t n_ids = a.size("nIds"), vocab = a.size("vocab"), c = a.size("c");
  float* dtable = a.f32("dtable", product(a, {vocab, c}), false);
  const float* dout = a.f32("dout", product(a, {n_ids, c}), true);
  const int32_t* ids = a.i32("ids", n_ids);
  return run_job(a.env(), static_cast<double>(n_ids) * c, a.take_keep_alive(),
                 [=] { return embedding_backward(dtable, dout, ids, n_ids, vocab, c); });
}

Napi::Value AdamwStep(const Napi::CallbackInfo& info) {
  Args a(info, "adamwStep");
  const int64_t n = a.size("n");
  AdamWConfig cfg;
  cfg.lr = static_cast<float>(a.number("lr", cfg.lr));
  cfg.beta1 = static_cast<float>(a.number("beta1", cfg.beta1));
  cfg.beta2 = static_cast<float>(a.number("beta2", cfg.beta2));
  cfg.eps = static_cast<float>(a.number("eps", cfg.eps));
  cfg.weight_decay = static_cast<float>(a.number("weightDecay", cfg.weight_decay));
  cfg.grad_scale = static_cast<float>(a.number("gradScale", cfg.grad_scale));
  cfg.step = a.integer("step", 1, kMaxDim, 1);
  float* p = a.f32("params", n, true);
  const float* g = a.f32("grads", n, true);
  float* m = a.f32("m", n, true);
  float* v = a.f32("v", n, true);
  return run_job(a.env(), static_cast<double>(n) * 12, a.take_keep_alive(),
                 [=] { return adamw_step(p, g, m, v, n, cfg); });
}

Napi::Value GradNorm(const Napi::CallbackInfo& info) {
  Args a(info, "gradNorm");
  const int64_t n = a.size("n");
  const float* g = a.f32("grads", n, false);
  auto norm = std::make_shared<double>(0.0);
  return run_job(
      a.env(), static_cast<double>(n) * 2, a.take_keep_alive(), [=] { return grad_norm(g, n, norm.get()); },
      [norm](Napi::Env env) { return Napi::Number::New(env, *norm); });
}

}  // namespace

void register_kernels(Napi::Env env, Napi::Object exports) {
  exports.Set("sgemm", Napi::Function::New(env, Sgemm, "sgemm"));
  exports.Set("matmulForward", Napi::Function::New(env, MatmulForward, "matmulForward"));
  exports.Set("matmulBackward", Napi::Function::New(env, MatmulBackward, "matmulBackward"));
  exports.Set("softmaxForward", Napi::Function::New(env, SoftmaxForward, "softmaxForward"));
  exports.Set("softmaxBackward", Napi::Function::New(env, SoftmaxBackward, "softmaxBackward"));
  exports.Set("layernormForward", Napi::Function::New(env, LayernormForward, "layernormForward"));
  exports.Set("layernormBackward", Napi::Function::New(env, LayernormBackward, "layernormBackward"));
  exports.Set("geluForward", Napi::Function::New(env, GeluForward, "geluForward"));
  exports.Set("geluBackward", Napi::Function::New(env, GeluBackward, "geluBackward"));
  exports.Set("embeddingForward", Napi::Function::New(env, EmbeddingForward, "embeddingForward"));
  exports.Set("embeddingBackward", Napi::Function::New(env, EmbeddingBackward, "embeddingBackward"));
  exports.Set("adamwStep", Napi::Function::New(env, AdamwStep, "adamwStep"));
  exports.Set("gradNorm", Napi::Function::New(env, GradNorm, "gradNorm"));
}

}  // namespace shapca::binding
