// BertModel handle: new BertModel(config), then setBuffers / forward / backward (model_handle.h).
#include "models.h"

#include "model_args.h"
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
      if (st->model.params == nullptr) a.type_error("call setBuffers first");
      const BertForwardArgs f = read_bert_forward(a, st->model.cfg);
      return launch(a, st, [st, f] {
        return bert_forward(st->model, f.out, f.pooled, f.ids, f.types, f.mask, f.b, f.t, f.for_backward);
      });
    });
  }

  Napi::Value Backward(const Napi::CallbackInfo& info) {
    Args a(info, "backward");
    return guarded(a, [&](const std::shared_ptr<ModelState<BertModel>>& st) {
      const BertModel& m = st->model;
      const EncoderBackwardArgs g = read_bert_backward(a, m.cfg, m.saved, m.b, m.t);
      return launch(a, st, [st, g] { return bert_backward(st->model, g.dinput, g.dlast, g.dpooled); });
    });
  }
};

}  // namespace

void register_bert(Napi::Env env, Napi::Object exports) { exports.Set("BertModel", BertHandle::init_class(env)); }

}  // namespace shapca::binding
