// Module entry: runtime controls (threads, kernel path, error class, RNG) and the kernels.
#include <napi.h>

#include "args.h"
#include "core/cpu.h"
#include "core/rng.h"
#include "core/thread_pool.h"
#include "kernels/linear_lowp.h"
#include "crf.h"
#include "cross_entropy.h"
#include "fusion.h"
#include "job.h"
#include "kernels.h"
#include "lowp_binding.h"
#include "shapley.h"
#include "models.h"

#ifdef SHAPCA_HAVE_CUDA
#include "cuda/probe.h"
#endif

namespace shapca::binding {

namespace {

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("kernelPath", kernel_path_name(kernel_path()));
  o.Set("avx2", cpu_features().avx2);
  o.Set("fma", cpu_features().fma);
  o.Set("avx512f", cpu_features().avx512f);
  o.Set("avx512bf16", cpu_features().avx512bf16 && cpu_features().avx512bw && cpu_features().avx512vl);
  o.Set("avx512vnni", cpu_features().avx512vnni && cpu_features().avx512bw && cpu_features().avx512vl);
  // The precisions with fast kernels on the active path (inference only; fp32 always).
  Napi::Array precisions = Napi::Array::New(env);
  for (Precision p : {Precision::fp32, Precision::bf16, Precision::int8}) {
    if (precision_fast(p)) precisions.Set(precisions.Length(), precision_name(p));
  }
  o.Set("precisions", precisions);
  o.Set("threads", ThreadPool::global().threads());
  Napi::Object cuda = Napi::Object::New(env);
#ifdef SHAPCA_HAVE_CUDA
  const shapca::cuda::Probe p = shapca::cuda::probe();
  cuda.Set("built", true);
  cuda.Set("devices", p.device_count);
  cuda.Set("runtimeVersion", p.runtime_version);
  cuda.Set("device", p.device_name);
  cuda.Set("message", p.message);
#else
  cuda.Set("built", false);
  cuda.Set("devices", 0);
  cuda.Set("message", "this addon was built without CUDA (npm run build:cuda with nvcc present)");
#endif
  o.Set("cuda", cuda);
  return o;
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  Args a(info, "setThreads");
  const int64_t n = a.integer("threads", 0, ThreadPool::kMaxThreads, 0);
  throw_if_failed(info.Env(), ThreadPool::global().set_threads(static_cast<int>(n)));
  return Napi::Number::New(info.Env(), ThreadPool::global().threads());
}

Napi::Value SetKernelPath(const Napi::CallbackInfo& info) {
  Args a(info, "setKernelPath");
  const std::string path = a.choice("path", {"auto", "scalar", "avx2", "avx512"}, "auto");
  KernelPath p = best_kernel_path();
  if (path == "scalar") p = KernelPath::scalar;
  if (path == "avx2") p = KernelPath::avx2;
  if (path == "avx512") p = KernelPath::avx512;
  throw_if_failed(info.Env(), set_kernel_path(p));
  return Napi::String::New(info.Env(), kernel_path_name(kernel_path()));
}

// Sets the work below which calls run inline (0: every call goes to the libuv pool, as tests of
// buffer lifetimes need); returns the previous value.
Napi::Value SetAsyncWork(const Napi::CallbackInfo& info) {
  Args a(info, "setAsyncWork");
  const int64_t work = a.integer("work", 0, static_cast<int64_t>(kAsyncWork), static_cast<int64_t>(kAsyncWork));
  return Napi::Number::New(info.Env(), set_async_work(static_cast<double>(work)));
}

Napi::Value SetErrorClass(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsFunction()) {
    throw Napi::TypeError::New(info.Env(), "setErrorClass: expected a class");
  }
  set_error_class(info.Env(), info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

// Fills out[0..n) with uniform [0,1) floats from Philox stream (seed, stream).
Napi::Value RandomUniform(const Napi::CallbackInfo& info) {
  Args a(info, "randomUniform");
  const int64_t n = a.size("n");
  float* out = a.f32("out", n, false);
  const int64_t seed = a.integer("seed", 0, 9007199254740991LL, 0);
  const int64_t stream = a.integer("stream", 0, 9007199254740991LL, 0);
  CounterRng rng(static_cast<uint64_t>(seed), static_cast<uint64_t>(stream));
  for (int64_t i = 0; i < n; ++i) out[i] = rng.next_uniform();
  return info.Env().Undefined();
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("setKernelPath", Napi::Function::New(env, SetKernelPath, "setKernelPath"));
  exports.Set("setAsyncWork", Napi::Function::New(env, SetAsyncWork, "setAsyncWork"));
  exports.Set("setErrorClass", Napi::Function::New(env, SetErrorClass, "setErrorClass"));
  exports.Set("randomUniform", Napi::Function::New(env, RandomUniform, "randomUniform"));
  register_kernels(env, exports);
  register_shapley(env, exports);
  register_crf(env, exports);
  register_cross_entropy(env, exports);
  register_fusion(env, exports);
  register_models(env, exports);
  register_linear_lowp(env, exports);
  return exports;
}

}  // namespace shapca::binding

static Napi::Object InitShapca(Napi::Env env, Napi::Object exports) { return shapca::binding::Init(env, exports); }

NODE_API_MODULE(shapca, InitShapca)
