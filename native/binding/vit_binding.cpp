// VitModel handle (ViTModel or the CLIP vision tower): new VitModel(config), then setBuffers /
// forward / backward (model_handle.h).
#include "model_args.h"
#include "model_handle.h"
#include "models.h"
#include "models/vit.h"

namespace shapca::binding {

namespace {

class VitHandle : public ModelHandle<VitHandle, VitModel> {
 public:
  static Napi::Function init_class(Napi::Env env) {
    std::vector<Napi::ClassPropertyDescriptor<VitHandle>> extra{
        InstanceMethod("forward", &VitHandle::Forward),
        InstanceMethod("backward", &VitHandle::Backward),
    };
    return define(env, "VitModel", extra);
  }

  explicit VitHandle(const Napi::CallbackInfo& info) : ModelHandle(info) {
    Args a(info, "VitModel");
    const VitConfig c = read_vit_config(a);
    throw_if_failed(info.Env(), vit_init(&state_->model, c));
  }

 private:
  Napi::Value Forward(const Napi::CallbackInfo& info) {
    Args a(info, "forward");
    return guarded(a, [&](const std::shared_ptr<ModelState<VitModel>>& st) {
      const VitModel& m = st->model;
      if (m.params == nullptr) a.type_error("call setBuffers first");
      const VitForwardArgs f = read_vit_forward(a, m.cfg, m.t);
      return launch(a, st, [st, f] { return vit_forward(st->model, f.out, f.pooled, f.pixels, f.b, f.for_backward); });
    });
  }

  Napi::Value Backward(const Napi::CallbackInfo& info) {
    Args a(info, "backward");
    return guarded(a, [&](const std::shared_ptr<ModelState<VitModel>>& st) {
      const VitModel& m = st->model;
      const EncoderBackwardArgs g = read_vit_backward(a, m.cfg, m.saved, m.b, m.t);
      return launch(a, st, [st, g] { return vit_backward(st->model, g.dinput, g.dlast, g.dpooled); });
    });
  }
};

}  // namespace

void register_vit(Napi::Env env, Napi::Object exports) { exports.Set("VitModel", VitHandle::init_class(env)); }

}  // namespace shapca::binding
