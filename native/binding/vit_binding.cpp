// VitModel handle (ViTModel or the CLIP vision tower): new VitModel(config), then setBuffers /
// forward / backward (model_handle.h).
#include "model_configs.h"
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
      VitModel& m = st->model;
      if (m.params == nullptr) a.type_error("call setBuffers first");
      const int64_t b = a.size("batch"), c = m.cfg.hidden, s = m.cfg.image_size;
      const float* pixels = a.f32("pixels", product(a, {b, m.cfg.channels, s, s}), true);
      float* out = a.f32("out", product(a, {b, m.t, c}), false);
      float* pooled = a.f32("pooled", product(a, {b, c}), false, true);
      const bool for_backward = a.boolean("forBackward", false);
      return launch(a, st, [st, out, pooled, pixels, b, for_backward] {
        return vit_forward(st->model, out, pooled, pixels, b, for_backward);
      });
    });
  }

  Napi::Value Backward(const Napi::CallbackInfo& info) {
    Args a(info, "backward");
    return guarded(a, [&](const std::shared_ptr<ModelState<VitModel>>& st) {
      VitModel& m = st->model;
      if (!m.saved) a.type_error("expected a forward with forBackward: true just before");
      const int64_t b = m.b, c = m.cfg.hidden, s = m.cfg.image_size;
      const float* dlast = a.f32("dLastHiddenState", b * m.t * c, true, true);
      const float* dpooled = a.f32("dPooled", b * c, true, true);
      float* dpixels = a.f32("dPixels", b * m.cfg.channels * s * s, false, true);
      return launch(a, st, [st, dpixels, dlast, dpooled] { return vit_backward(st->model, dpixels, dlast, dpooled); });
    });
  }
};

}  // namespace

void register_vit(Napi::Env env, Napi::Object exports) { exports.Set("VitModel", VitHandle::init_class(env)); }

}  // namespace shapca::binding
