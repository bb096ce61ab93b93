// CudaBertModel and CudaVitModel: the encoders with parameters, gradients, AdamW moments and
// activations on the GPU (native/cuda/models/device_model.h). Same forward / backward /
// table / initRandom / dispose as BertModel and VitModel (model_handle.h), but nothing is bound to
// JS memory: the host sees the parameters only through upload / download calls, and the optimizer
// runs on the device (gradNormSq, adamwStep per parameter range). Every call is a Promise.
// Compiled only into the CUDA build (cmake-js with nvcc, SHAPCA_HAVE_CUDA).
#ifdef SHAPCA_HAVE_CUDA
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "cuda/models/device_model.h"
#include "model_args.h"
#include "model_handle.h"
#include "models.h"

namespace shapca::binding {

namespace {

// A device model and what the binding checks calls against (the model itself is opaque).
template <typename Config>
struct DeviceSlot {
  cuda::DeviceModel* dev = nullptr;
  Config cfg;
  int64_t b = 0, t = 0;  // shape of the last forward
  bool saved = false;    // the last forward kept its activations (for_backward)
  bool grads = false;    // enable_grads succeeded

  DeviceSlot() = default;
  DeviceSlot(const DeviceSlot&) = delete;
  DeviceSlot& operator=(const DeviceSlot&) = delete;
  ~DeviceSlot() { cuda::destroy(dev); }
};

using BertSlot = DeviceSlot<BertConfig>;
using VitSlot = DeviceSlot<VitConfig>;

// The methods both CUDA handles share: parameter, gradient and moment transfers and the optimizer.
template <typename Self, typename Config>
class DeviceHandle : public HandleBase<Self, DeviceSlot<Config>> {
  using Base = HandleBase<Self, DeviceSlot<Config>>;

 public:
  using Slot = DeviceSlot<Config>;
  using Job = std::function<Status(Slot&)>;

  explicit DeviceHandle(const Napi::CallbackInfo& info) : Base(info) {}

  static const ParamTable& param_table(const Slot& s) { return cuda::table(*s.dev); }

  template <typename Extra>
  static Napi::Function define(Napi::Env env, const char* name, Extra extra) {
    std::vector<Napi::ClassPropertyDescriptor<Self>> methods{
        Self::InstanceMethod("initRandom", &DeviceHandle::InitRandom),
        Self::InstanceMethod("uploadParams", &DeviceHandle::UploadParams),
        Self::InstanceMethod("downloadParams", &DeviceHandle::DownloadParams),
        Self::InstanceMethod("enableGrads", &DeviceHandle::EnableGrads),
        Self::InstanceMethod("zeroGrads", &DeviceHandle::ZeroGrads),
        Self::InstanceMethod("downloadGrads", &DeviceHandle::DownloadGrads),
        Self::InstanceMethod("gradNormSq", &DeviceHandle::GradNormSq),
        Self::InstanceMethod("adamwStep", &DeviceHandle::AdamwStep),
        Self::InstanceMethod("downloadMoments", &DeviceHandle::DownloadMoments),
        Self::InstanceMethod("uploadMoments", &DeviceHandle::UploadMoments),
    };
    for (auto& m : extra) methods.push_back(m);
    return Base::define_class(env, name, methods);
  }

 protected:
  // prepare(slot) reads the arguments and checks them against the slot on the JS thread, with the
  // busy mark held (so no job is writing the slot), and returns the job to queue on the pool.
  template <typename Prepare>
  Napi::Value call(Args& a, const Prepare& prepare, ResultFn result = nullptr) {
    return this->guarded(a, [&](const std::shared_ptr<typename Base::State>& st) {
      Job job = prepare(st->model);
      return this->launch(a, st, [st, job] { return job(st->model); }, std::move(result));
    });
  }

  static int64_t total(const Slot& s) { return cuda::num_params(*s.dev); }

  // Gradient calls need enableGrads first.
  static void need_grads(Args& a, const Slot& s) {
    if (!s.grads) a.type_error("call enableGrads first");
  }

  // So does a forward that keeps its activations for backward.
  static void need_grads_for(Args& a, const Slot& s, bool for_backward) {
    if (for_backward && !s.grads) a.type_error("call enableGrads before a forward with forBackward: true");
  }

 private:
  // Initialises on the host exactly as the CPU model does (param_init), then uploads.
  Napi::Value InitRandom(const Napi::CallbackInfo& info) {
    Args a(info, "initRandom");
    const int64_t seed = a.integer("seed", 0, 9007199254740991LL, 0);
    const double std = a.number("std", 0.02);
    if (std < 0) a.range_error("expected std >= 0 but received " + std::to_string(std));
    return call(a, [&](Slot&) -> Job {
      return [seed, std](Slot& s) {
        const ParamTable& t = cuda::table(*s.dev);
        std::vector<float> host(static_cast<size_t>(t.total()));
        SHAPCA_TRY(param_init(host.data(), t, static_cast<uint64_t>(seed), static_cast<float>(std)));
        return cuda::upload_params(*s.dev, host.data(), t.total());
      };
    });
  }

  Napi::Value UploadParams(const Napi::CallbackInfo& info) {
    Args a(info, "uploadParams");
    return call(a, [&](Slot& s) -> Job {
      const int64_t n = total(s);
      const float* params = a.f32("params", n, true);
      return [params, n](Slot& m) { return cuda::upload_params(*m.dev, params, n); };
    });
  }

  Napi::Value DownloadParams(const Napi::CallbackInfo& info) {
    Args a(info, "downloadParams");
    return call(a, [&](Slot& s) -> Job {
      const int64_t n = total(s);
      float* params = a.f32("params", n, false);
      return [params, n](Slot& m) { return cuda::download_params(*m.dev, params, n); };
    });
  }

  Napi::Value EnableGrads(const Napi::CallbackInfo& info) {
    Args a(info, "enableGrads");
    return call(a, [&](Slot&) -> Job {
      return [](Slot& m) {
        SHAPCA_TRY(cuda::enable_grads(*m.dev));
        m.grads = true;
        return Status::ok;
      };
    });
  }

  Napi::Value ZeroGrads(const Napi::CallbackInfo& info) {
    Args a(info, "zeroGrads");
    return call(a, [&](Slot& s) -> Job {
      need_grads(a, s);
      return [](Slot& m) { return cuda::zero_grads(*m.dev); };
    });
  }

  Napi::Value DownloadGrads(const Napi::CallbackInfo& info) {
    Args a(info, "downloadGrads");
    return call(a, [&](Slot& s) -> Job {
      need_grads(a, s);
      const int64_t n = total(s);
      float* grads = a.f32("grads", n, false);
      return [grads, n](Slot& m) { return cuda::download_grads(*m.dev, grads, n); };
    });
  }

  // [begin, end) inside the parameters.
  static void read_range(Args& a, const Slot& s, int64_t* begin, int64_t* end) {
    const int64_t n = total(s);
    *begin = a.size("begin");
    *end = a.size("end");
    if (*begin > *end || *end > n) {
      a.range_error("expected 0 <= begin <= end <= " + std::to_string(n) + " but received [" + std::to_string(*begin) +
                    ", " + std::to_string(*end) + ")");
    }
  }

  // Σ g² over [begin, end), accumulated in double.
  Napi::Value GradNormSq(const Napi::CallbackInfo& info) {
    Args a(info, "gradNormSq");
    auto out = std::make_shared<double>(0.0);
    return call(
        a,
        [&](Slot& s) -> Job {
          need_grads(a, s);
          int64_t begin = 0, end = 0;
          read_range(a, s, &begin, &end);
          return [begin, end, out](Slot& m) { return cuda::grad_norm_sq(*m.dev, begin, end, out.get()); };
        },
        [out](Napi::Env env) { return Napi::Number::New(env, *out); });
  }

  // One AdamW update of [begin, end) (kernels/adamw.h), with the CPU adamwStep's options.
  Napi::Value AdamwStep(const Napi::CallbackInfo& info) {
    Args a(info, "adamwStep");
    return call(a, [&](Slot& s) -> Job {
      need_grads(a, s);
      int64_t begin = 0, end = 0;
      read_range(a, s, &begin, &end);
      AdamWConfig c;
      c.lr = static_cast<float>(a.number("lr", c.lr));
      c.beta1 = static_cast<float>(a.number("beta1", c.beta1));
      c.beta2 = static_cast<float>(a.number("beta2", c.beta2));
      c.eps = static_cast<float>(a.number("eps", c.eps));
      c.weight_decay = static_cast<float>(a.number("weightDecay", c.weight_decay));
      c.step = a.integer("step", 1, 9007199254740991LL, 1);
      c.grad_scale = static_cast<float>(a.number("gradScale", c.grad_scale));
      return [begin, end, c](Slot& m) { return cuda::adamw_step(*m.dev, begin, end, c); };
    });
  }

  Napi::Value DownloadMoments(const Napi::CallbackInfo& info) {
    Args a(info, "downloadMoments");
    return call(a, [&](Slot& s) -> Job {
      const int64_t n = total(s);
      float* m1 = a.f32("m", n, false);
      float* m2 = a.f32("v", n, false);
      return [m1, m2, n](Slot& m) { return cuda::download_moments(*m.dev, m1, m2, n); };
    });
  }

  Napi::Value UploadMoments(const Napi::CallbackInfo& info) {
    Args a(info, "uploadMoments");
    return call(a, [&](Slot& s) -> Job {
      const int64_t n = total(s);
      const float* m1 = a.f32("m", n, true);
      const float* m2 = a.f32("v", n, true);
      return [m1, m2, n](Slot& m) { return cuda::upload_moments(*m.dev, m1, m2, n); };
    });
  }
};

class CudaBertHandle : public DeviceHandle<CudaBertHandle, BertConfig> {
 public:
  static Napi::Function init_class(Napi::Env env) {
    std::vector<Napi::ClassPropertyDescriptor<CudaBertHandle>> extra{
        InstanceMethod("forward", &CudaBertHandle::Forward),
        InstanceMethod("backward", &CudaBertHandle::Backward),
    };
    return define(env, "CudaBertModel", extra);
  }

  // The same config object as BertModel.
  explicit CudaBertHandle(const Napi::CallbackInfo& info) : DeviceHandle(info) {
    Args a(info, "CudaBertModel");
    const BertConfig c = read_bert_config(a);
    state_->model.cfg = c;
    throw_if_failed(info.Env(), cuda::bert_create(&state_->model.dev, c));
  }

 private:
  Napi::Value Forward(const Napi::CallbackInfo& info) {
    Args a(info, "forward");
    return call(a, [&](BertSlot& s) -> Job {
      const BertForwardArgs f = read_bert_forward(a, s.cfg);
      need_grads_for(a, s, f.for_backward);
      return [f](BertSlot& m) {
        m.saved = false;
        SHAPCA_TRY(cuda::bert_forward(*m.dev, f.out, f.pooled, f.ids, f.types, f.mask, f.b, f.t, f.for_backward));
        m.b = f.b;
        m.t = f.t;
        m.saved = f.for_backward;
        return Status::ok;
      };
    });
  }

  Napi::Value Backward(const Napi::CallbackInfo& info) {
    Args a(info, "backward");
    return call(a, [&](BertSlot& s) -> Job {
      const EncoderBackwardArgs g = read_bert_backward(a, s.cfg, s.saved, s.b, s.t);
      return [g](BertSlot& m) { return cuda::bert_backward(*m.dev, g.dinput, g.dlast, g.dpooled); };
    });
  }
};

class CudaVitHandle : public DeviceHandle<CudaVitHandle, VitConfig> {
 public:
  static Napi::Function init_class(Napi::Env env) {
    std::vector<Napi::ClassPropertyDescriptor<CudaVitHandle>> extra{
        InstanceMethod("forward", &CudaVitHandle::Forward),
        InstanceMethod("backward", &CudaVitHandle::Backward),
    };
    return define(env, "CudaVitModel", extra);
  }

  // The same config object as VitModel.
  explicit CudaVitHandle(const Napi::CallbackInfo& info) : DeviceHandle(info) {
    Args a(info, "CudaVitModel");
    const VitConfig c = read_vit_config(a);
    state_->model.cfg = c;
    throw_if_failed(info.Env(), cuda::vit_create(&state_->model.dev, c));
    // Tokens per image, as vit_init computes them (vit_create has checked the sizes).
    const int64_t side = c.image_size / c.patch;
    state_->model.t = side * side + 1;
  }

 private:
  Napi::Value Forward(const Napi::CallbackInfo& info) {
    Args a(info, "forward");
    return call(a, [&](VitSlot& s) -> Job {
      const VitForwardArgs f = read_vit_forward(a, s.cfg, s.t);
      need_grads_for(a, s, f.for_backward);
      return [f](VitSlot& m) {
        m.saved = false;
        SHAPCA_TRY(cuda::vit_forward(*m.dev, f.out, f.pooled, f.pixels, f.b, f.for_backward));
        m.b = f.b;
        m.saved = f.for_backward;
        return Status::ok;
      };
    });
  }

  Napi::Value Backward(const Napi::CallbackInfo& info) {
    Args a(info, "backward");
    return call(a, [&](VitSlot& s) -> Job {
      const EncoderBackwardArgs g = read_vit_backward(a, s.cfg, s.saved, s.b, s.t);
      return [g](VitSlot& m) { return cuda::vit_backward(*m.dev, g.dinput, g.dlast, g.dpooled); };
    });
  }
};

}  // namespace

void register_cuda_models(Napi::Env env, Napi::Object exports) {
  exports.Set("CudaBertModel", CudaBertHandle::init_class(env));
  exports.Set("CudaVitModel", CudaVitHandle::init_class(env));
}

}  // namespace shapca::binding
#endif  // SHAPCA_HAVE_CUDA
