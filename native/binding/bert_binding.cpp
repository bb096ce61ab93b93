// BertModel handle: new BertModel(config), then setBuffers / forward / backward (model_handle.h).
#include "models.h"

#include "model_configs.h"
#include "model_handle.h"
#include "models/bert.h"

namespace shapca::binding {

namespace {

class BertHandle : public ModelHandle<BertHandle, BertModel> {
 public:
  static Napi::Function init_class(Napi::Env env) {
    std::vector<Napi::ClassPropertyDescriptor<BertHandle>> extra{
        InstanceMethod("forward", &BertHandle::Forward),
        InstanceMethod("backward", &BertHandle::Backward),
    };
    return define(env, "BertModel", extra);
  }

  explicit BertHandle(const Napi::CallbackInfo& info) : ModelHandle(info) {
    Args a(info, "BertModel");
    const BertConfig c = read_bert_config(a);
    throw_if_failed(info.Env(), bert_init(&state_->model, c));
  }

 private:
  Napi::Value Forward(const Napi::CallbackInfo& info) {
    Args a(info, "forward");
    return guarded(a, [&](const std::shared_ptr<ModelState<BertModel>>& st) {
      BertModel& m = st->model;
      if (m.params == nullptr) a.type_error("call setBuffers first");
      const int64_t b = a.size("batch"), t = a.size("seqLen"), c = m.cfg.hidden;
      const int64_t bt = product(a, {b, t});
      const int32_t* ids = a.i32("inputIds", bt);
      const int32_t* mask = a.i32("attentionMask", bt, true);
      const int32_t* types = a.i32("tokenTypeIds", bt, true);
      float* out = a.f32("out", product(a, {bt, c}), false);
      float* pooled = a.f32("pooled", product(a, {b, c}), false, true);
      const bool for_backward = a.boolean("forBackward", false);
      return launch(a, st, [st, out, pooled, ids, types, mask, b, t, for_backward] {
        return bert_forward(st->model, out, pooled, ids, types, mask, b, t, for_backward);
      });
    });
  }

  Napi::Value Backward(const Napi::CallbackInfo& info) {
    Args a(info, "backward");
    return guarded(a, [&](const std::shared_ptr<ModelState<BertModel>>& st) {
      BertModel& m = st->model;
      if (!m.saved) a.type_error("expected a forward with forBackward: true just before");
      const int64_t bt = m.b * m.t, c = m.cfg.hidden;
      const float* dlast = a.f32("dLastHiddenState", bt * c, true, true);
      const float* dpooled = a.f32("dPooled", m.b * c, true, true);
      float* dembeds = a.f32("dInputsEmbeds", bt * c, false, true);
      return launch(a, st, [st, dembeds, dlast, dpooled] { return bert_backward(st->model, dembeds, dlast, dpooled); });
    });
  }
};

}  // namespace

void register_bert(Napi::Env env, Napi::Object exports) { exports.Set("BertModel", BertHandle::init_class(env)); }

}  // namespace shapca::binding
