// Low-precision linear layers and the peak measurement for JS (the benchmarks, `shapca bench`):
//   packLinear({weight, n, k, precision})            -> an opaque packed weight (External)
//   linearLowpForward({packed, inp, m, out, bias?})  -> Promise: out (m,n) = inp (m,k)·Wᵀ + bias
//   measurePeak({precision, seconds?})               -> Promise<number> operations per second
#include "lowp_binding.h"

#include <memory>

#include "args.h"
#include "job.h"
#include "kernels/linear_lowp.h"
#include "kernels/peak.h"

namespace shapca::binding {

namespace {

using Packed = std::shared_ptr<PackedWeight>;

Precision precision_arg(Args& a, bool allow_fp32) {
  const std::string name = allow_fp32 ? a.choice("precision", {"fp32", "bf16", "int8"}, "fp32")
                                      : a.choice("precision", {"bf16", "int8"}, "bf16");
  Precision p = Precision::fp32;
  parse_precision(name.c_str(), &p);
  return p;
}

Napi::Value PackLinear(const Napi::CallbackInfo& info) {
  Args a(info, "packLinear");
  const int64_t n = a.size("n"), k = a.size("k");
  const Precision p = precision_arg(a, false);
  const float* w = a.f32("weight", product(a, {n, k}), true);
  auto packed = std::make_shared<PackedWeight>();
  throw_if_failed(info.Env(), pack_weight(packed.get(), p, w, n, k, k));
  return Napi::External<Packed>::New(info.Env(), new Packed(std::move(packed)), [](Napi::Env, Packed* h) { delete h; });
}

Napi::Value LinearLowpForward(const Napi::CallbackInfo& info) {
  Args a(info, "linearLowpForward");
  Napi::Value v = info[0].As<Napi::Object>().Get("packed");
  if (!v.IsExternal()) a.type_error("expected a packed weight from packLinear for packed");
  const Packed packed = *v.As<Napi::External<Packed>>().Data();
  const int64_t m = a.size("m"), n = packed->n, k = packed->k;
  const float* inp = a.f32("inp", product(a, {m, k}), true);
  float* out = a.f32("out", product(a, {m, n}), false);
  const float* bias = a.f32("bias", n, true, true);
  return run_job(a.env(), static_cast<double>(product(a, {m, n, k})), a.take_keep_alive(),
                 [=] { return linear_lowp_forward(out, n, inp, k, *packed, bias, m); });
}

Napi::Value MeasurePeak(const Napi::CallbackInfo& info) {
  Args a(info, "measurePeak");
  const Precision p = precision_arg(a, true);
  const double seconds = a.number("seconds", 0.2);
  if (!(seconds >= 0.01 && seconds <= 10)) a.range_error("expected 0.01 <= seconds <= 10 but received " + std::to_string(seconds));
  auto result = std::make_shared<double>(0.0);
  return run_job(a.env(), kAsyncWork, {}, [=] { return measure_peak(p, seconds, result.get()); },
                 [result](Napi::Env env) { return Napi::Number::New(env, *result); });
}

}  // namespace

void register_linear_lowp(Napi::Env env, Napi::Object exports) {
  exports.Set("packLinear", Napi::Function::New(env, PackLinear, "packLinear"));
  exports.Set("linearLowpForward", Napi::Function::New(env, LinearLowpForward, "linearLowpForward"));
  exports.Set("measurePeak", Napi::Function::New(env, MeasurePeak, "measurePeak"));
}

}  // namespace shapca::binding
