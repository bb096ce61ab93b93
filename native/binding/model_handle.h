// The common half of the model handles (BertModel, VitModel): a JS object that owns one native
// model, binds it to the caller's flat parameter and gradient Float32Arrays, and runs its
// forward and backward as Promises. One call at a time per model (a second one is a
// ShapcaError, the TS layer queues calls); dispose() frees the activations at once, and a job in
// flight keeps the model and the arrays alive until it ends.
#pragma once
#include <napi.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "args.h"
#include "job.h"
#include "models/param_table.h"

namespace shapca::binding {

template <typename Model>
struct ModelState {
  Model model;
  std::atomic<bool> busy{false};
};

template <typename Self, typename Model>
class ModelHandle : public Napi::ObjectWrap<Self> {
 public:
  explicit ModelHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Self>(info) {}

  template <typename Extra>
  static Napi::Function define(Napi::Env env, const char* name, Extra extra) {
    std::vector<Napi::ClassPropertyDescriptor<Self>> methods{
        Self::InstanceMethod("table", &ModelHandle::Table),
        Self::InstanceMethod("setBuffers", &ModelHandle::SetBuffers),
        Self::InstanceMethod("initRandom", &ModelHandle::InitRandom),
        Self::InstanceMethod("dispose", &ModelHandle::Dispose),
    };
    for (auto& m : extra) methods.push_back(m);
    return Self::DefineClass(env, name, methods);
  }

 protected:
  // The state for a call: throws when disposed or busy, and marks it busy. Anything that throws
  // after it must release the mark (see guarded()).
  std::shared_ptr<ModelState<Model>> acquire(Args& a) {
    if (!state_) a.type_error("the model was disposed");
    if (state_->busy.exchange(true)) {
      throw make_error(a.env(), Status::invalid_argument,
                       std::string(a.fn()) + ": the model is busy with another call; await it first");
    }
    return state_;
  }

  // Queues fn on the libuv pool, keeping the model, the parameter arrays and every argument
  // array alive, and releases the busy mark when it ends.
  Napi::Value launch(Args& a, std::shared_ptr<ModelState<Model>> st, NativeFn fn, ResultFn result = nullptr) {
    std::vector<Napi::ObjectReference> keep = a.take_keep_alive();
    if (!params_.IsEmpty()) keep.push_back(Napi::Persistent(params_.Value()));
    if (!grads_.IsEmpty()) keep.push_back(Napi::Persistent(grads_.Value()));
    return run_job(a.env(), kAsyncWork, std::move(keep), [st, fn] {
      Status s = fn();
      st->busy.store(false);
      return s;
    }, std::move(result));
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
  std::shared_ptr<ModelState<Model>> state_ = std::make_shared<ModelState<Model>>();

 private:
  Napi::Value Table(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!state_) throw Napi::TypeError::New(env, "table: the model was disposed");
    const ParamTable& t = state_->model.table;
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

  Napi::Value SetBuffers(const Napi::CallbackInfo& info) {
    Args a(info, "setBuffers");
    return guarded(a, [&](const std::shared_ptr<ModelState<Model>>& st) {
      Model& m = st->model;
      const int64_t total = m.table.total();
      float* params = a.f32("params", total, false);
      float* grads = a.f32("grads", total, false, true);
      m.params = params;
      m.grads = grads;
      m.saved = false;
      Napi::Object o = info[0].As<Napi::Object>();
      params_ = Napi::Persistent(o.Get("params").As<Napi::Object>());
      if (grads) {
        grads_ = Napi::Persistent(o.Get("grads").As<Napi::Object>());
      } else {
        grads_.Reset();
      }
      st->busy.store(false);
      return info.Env().Undefined();
    });
  }

  Napi::Value InitRandom(const Napi::CallbackInfo& info) {
    Args a(info, "initRandom");
    const int64_t seed = a.integer("seed", 0, 9007199254740991LL, 0);
    const double std = a.number("std", 0.02);
    if (std < 0) a.range_error("expected std >= 0 but received " + std::to_string(std));
    return guarded(a, [&](const std::shared_ptr<ModelState<Model>>& st) {
      if (st->model.params == nullptr) a.type_error("call setBuffers first");
      return launch(a, st, [st, seed, std] {
        Model& m = st->model;
        return param_init(m.params, m.table, static_cast<uint64_t>(seed), static_cast<float>(std));
      });
    });
  }

  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    state_.reset();
    params_.Reset();
    grads_.Reset();
    return info.Env().Undefined();
  }

  Napi::ObjectReference params_, grads_;
};

}  // namespace shapca::binding
