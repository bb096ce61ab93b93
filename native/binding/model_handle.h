// The common half of the model handles: a JS object that owns one native model and runs its
// calls as Promises. One call at a time per model (a second one is a ShapcaError, the TS layer
// queues calls); dispose() frees the model at once, and a job in flight keeps the model and the
// arrays it uses alive until it ends.
//   HandleBase   table(), dispose(), the busy mark and the job launch: every handle
//   ModelHandle  the CPU models (BertModel, VitModel): bound to the caller's flat parameter and
//                gradient Float32Arrays (setBuffers), initRandom into them
// The CUDA models (cuda_models.cpp) derive from HandleBase directly: their buffers live on the GPU.
#pragma once
#include <napi.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "args.h"
#include "buffer_hold.h"
#include "job.h"
#include "models/encoder_stack.h"
#include "models/param_table.h"

namespace shapca::binding {

template <typename Model>
struct ModelState {
  Model model;
  std::atomic<bool> busy{false};
};

// Self provides `static const ParamTable& param_table(const Model&)` (public).
template <typename Self, typename Model>
class HandleBase : public Napi::ObjectWrap<Self> {
 public:
  explicit HandleBase(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Self>(info) {}

 protected:
  using State = ModelState<Model>;

  // The class with table() and dispose() followed by its own methods.
  static Napi::Function define_class(Napi::Env env, const char* name,
                                     const std::vector<Napi::ClassPropertyDescriptor<Self>>& own) {
    std::vector<Napi::ClassPropertyDescriptor<Self>> methods{
        Self::InstanceMethod("table", &HandleBase::Table),
        Self::InstanceMethod("dispose", &HandleBase::Dispose),
    };
    methods.insert(methods.end(), own.begin(), own.end());
    return Self::DefineClass(env, name, methods);
  }

  // The state for a call: throws when disposed or busy, and marks it busy. Anything that throws
  // after it must release the mark (see guarded()).
  std::shared_ptr<State> acquire(Args& a) {
    if (!state_) a.type_error("the model was disposed");
    if (state_->busy.exchange(true)) {
      throw make_error(a.env(), Status::invalid_argument,
                       std::string(a.fn()) + ": the model is busy with another call; await it first");
    }
    return state_;
  }

  // Queues fn on the libuv pool, keeping the model, the bound arrays and every argument array
  // alive, and releases the busy mark when it has ended (on the JS thread).
  Napi::Value launch(Args& a, std::shared_ptr<State> st, NativeFn fn, ResultFn result = nullptr) {
    std::vector<Napi::ObjectReference> keep = a.take_keep_alive();
    for (const Napi::ObjectReference& r : bound_) {
      // The model holds raw pointers into these between calls: a buffer detached since setBuffers
      // may already be freed, so nothing may run on it.
      if (is_detached_view(r.Value())) {
        st->busy.store(false);
        a.type_error("a buffer given to setBuffers was detached (transferred) since; call setBuffers again");
      }
      keep.push_back(Napi::Persistent(r.Value()));
    }
    // The mark is released on the JS thread when the job has ended, so a call made before its
    // Promise settles is always refused, however fast the job.
    return run_job(a.env(), kAsyncWork, std::move(keep), std::move(fn), std::move(result), [st] { st->busy.store(false); });
  }

  // Runs body(state) with the busy mark held; an exception releases it.
  template <typename Body>
  Napi::Value guarded(Args& a, const Body& body) {
    auto st = acquire(a);
    try {
      return body(st);
    } catch (...) {
      st->busy.store(false);
      throw;
    }
  }

  std::shared_ptr<State> state_ = std::make_shared<State>();
  // Arrays the model keeps pointers to between calls (the CPU models' bound buffers).
  std::vector<Napi::ObjectReference> bound_;

 private:
  Napi::Value Table(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!state_) throw Napi::TypeError::New(env, "table: the model was disposed");
    const ParamTable& t = Self::param_table(state_->model);
    Napi::Array entries = Napi::Array::New(env, t.entries().size());
    for (size_t i = 0; i < t.entries().size(); ++i) {
      const ParamInfo& p = t.entries()[i];
      Napi::Object e = Napi::Object::New(env);
      Napi::Array shape = Napi::Array::New(env, p.ndim);
      for (int d = 0; d < p.ndim; ++d) shape.Set(d, Napi::Number::New(env, static_cast<double>(p.shape[d])));
      e.Set("name", p.name);
      e.Set("shape", shape);
      e.Set("offset", Napi::Number::New(env, static_cast<double>(p.offset)));
      e.Set("numel", Napi::Number::New(env, static_cast<double>(p.numel)));
      e.Set("init", p.init == ParamInit::normal ? "normal" : p.init == ParamInit::ones ? "ones" : "zeros");
      entries.Set(i, e);
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("total", Napi::Number::New(env, static_cast<double>(t.total())));
    o.Set("entries", entries);
    return o;
  }

  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    state_.reset();
    bound_.clear();
    return info.Env().Undefined();
  }
};

template <typename Self, typename Model>
class ModelHandle : public HandleBase<Self, Model> {
  using Base = HandleBase<Self, Model>;

 public:
  explicit ModelHandle(const Napi::CallbackInfo& info) : Base(info) {}

  static const ParamTable& param_table(const Model& m) { return m.table; }

  template <typename Extra>
  static Napi::Function define(Napi::Env env, const char* name, Extra extra) {
    std::vector<Napi::ClassPropertyDescriptor<Self>> methods{
        Self::InstanceMethod("setBuffers", &ModelHandle::SetBuffers),
        Self::InstanceMethod("initRandom", &ModelHandle::InitRandom),
        Self::InstanceMethod("setPrecision", &ModelHandle::SetPrecision),
    };
    for (auto& m : extra) methods.push_back(m);
    return Base::define_class(env, name, methods);
  }

 private:
  Napi::Value SetBuffers(const Napi::CallbackInfo& info) {
    Args a(info, "setBuffers");
    return this->guarded(a, [&](const std::shared_ptr<typename Base::State>& st) {
      Model& m = st->model;
      const int64_t total = m.table.total();
      float* params = a.f32("params", total, false);
      float* grads = a.f32("grads", total, false, true);
      if (params != m.params) throw_if_failed(info.Env(), stack_set_precision(m.stack, nullptr, Precision::fp32));
      m.params = params;
      m.grads = grads;
      m.saved = false;
      Napi::Object o = info[0].As<Napi::Object>();
      this->bound_.clear();
      this->bound_.push_back(Napi::Persistent(o.Get("params").As<Napi::Object>()));
      if (grads) this->bound_.push_back(Napi::Persistent(o.Get("grads").As<Napi::Object>()));
      st->busy.store(false);
      return info.Env().Undefined();
    });
  }

  // Packs the linear weights of every layer from the bound parameters for bf16 / int8 inference
  // (or drops the packed copies: fp32). A snapshot: call again after the parameters change.
  Napi::Value SetPrecision(const Napi::CallbackInfo& info) {
    Args a(info, "setPrecision");
    const std::string name = a.choice("precision", {"fp32", "bf16", "int8"}, "fp32");
    Precision p = Precision::fp32;
    parse_precision(name.c_str(), &p);
    return this->guarded(a, [&](const std::shared_ptr<typename Base::State>& st) {
      if (st->model.params == nullptr) a.type_error("call setBuffers first");
      return this->launch(a, st, [st, p] {
        Model& m = st->model;
        m.saved = false;  // a training forward's activations do not survive a change of weights
        return stack_set_precision(m.stack, m.params, p);
      });
    });
  }

  Napi::Value InitRandom(const Napi::CallbackInfo& info) {
    Args a(info, "initRandom");
    const int64_t seed = a.integer("seed", 0, 9007199254740991LL, 0);
    const double std = a.number("std", 0.02);
    if (std < 0) a.range_error("expected std >= 0 but received " + std::to_string(std));
    return this->guarded(a, [&](const std::shared_ptr<typename Base::State>& st) {
      if (st->model.params == nullptr) a.type_error("call setBuffers first");
      return this->launch(a, st, [st, seed, std] {
        Model& m = st->model;
        return param_init(m.params, m.table, static_cast<uint64_t>(seed), static_cast<float>(std));
      });
    });
  }
};

}  // namespace shapca::binding
