// Marshalling for the softmax cross-entropy kernels (native/kernels/cross_entropy.h).
#include "cross_entropy.h"

#include "args.h"
#include "job.h"
#include "kernels/cross_entropy.h"

namespace shapca::binding {

namespace {

Napi::Value CrossEntropyForward(const Napi::CallbackInfo& info) {
  Args a(info, "crossEntropyForward");
  const int64_t rows = a.size("rows"), cols = a.size("cols");
  const int64_t n = product(a, {rows, cols});
  float* loss = a.f32("loss", rows, false);
  float* probs = a.f32("probs", n, false);
  const float* logits = a.f32("logits", n, true);
  const int32_t* targets = a.i32("targets", rows);
  return run_job(a.env(), static_cast<double>(n) * 4, a.take_keep_alive(),
                 [=] { return cross_entropy_forward(loss, probs, logits, targets, rows, cols); });
}

Napi::Value CrossEntropyBackward(const Napi::CallbackInfo& info) {
  Args a(info, "crossEntropyBackward");
  const int64_t rows = a.size("rows"), cols = a.size("cols");
  const int64_t n = product(a, {rows, cols});
  float* dlogits = a.f32("dlogits", n, false);
  const float* dloss = a.f32("dloss", rows, true);
  const float* probs = a.f32("probs", n, true);
  const int32_t* targets = a.i32("targets", rows);
  return run_job(a.env(), static_cast<double>(n) * 2, a.take_keep_alive(),
                 [=] { return cross_entropy_backward(dlogits, dloss, probs, targets, rows, cols); });
}

}  // namespace

void register_cross_entropy(Napi::Env env, Napi::Object exports) {
  exports.Set("crossEntropyForward", Napi::Function::New(env, CrossEntropyForward, "crossEntropyForward"));
  exports.Set("crossEntropyBackward", Napi::Function::New(env, CrossEntropyBackward, "crossEntropyBackward"));
}

}  // namespace shapca::binding
