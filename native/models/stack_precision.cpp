// stack_set_precision (encoder_stack.h): the layers' linear weights packed for bf16 / int8.
#include <atomic>

#include "../core/thread_pool.h"
#include "encoder_stack.h"

namespace shapca {

Status stack_set_precision(LayerStack& st, const float* params, Precision p) {
  for (LayerOffsets& o : st.layers) o.packed = nullptr;
  st.packed.reset();
  st.precision = Precision::fp32;
  if (p == Precision::fp32) return Status::ok;
  if (params == nullptr) return fail(Status::invalid_argument, "setPrecision: the model has no parameters yet");

  const int64_t layers = static_cast<int64_t>(st.layers.size()), c = st.shape.c, inter = st.shape.inter;
  std::vector<LayerPacked> packed(static_cast<size_t>(layers));
  // One task per weight matrix: pack_weight itself is serial.
  std::atomic<int> failed{0};
  Status s = ThreadPool::global().run(4 * layers, [&](int64_t task, int) {
    const int64_t l = task / 4;
    const LayerOffsets& o = st.layers[l];
    LayerPacked& d = packed[l];
    Status r = Status::ok;
    switch (task % 4) {
      case 0: r = pack_weight(&d.qkv, p, params + o.qkv_w, 3 * c, c, c); break;
      case 1: r = pack_weight(&d.proj, p, params + o.proj_w, c, c, c); break;
      case 2: r = pack_weight(&d.fc1, p, params + o.fc1_w, inter, c, c); break;
      default: r = pack_weight(&d.fc2, p, params + o.fc2_w, c, inter, inter); break;
    }
    if (r != Status::ok) failed.store(static_cast<int>(r));
  });
  if (s != Status::ok) return s;
  if (failed.load() != 0) {
    return fail(static_cast<Status>(failed.load()), "setPrecision: a layer weight could not be packed for %s (not finite, or out of memory)",
                precision_name(p));
  }
  auto shared = std::make_shared<const std::vector<LayerPacked>>(std::move(packed));
  for (int64_t l = 0; l < layers; ++l) st.layers[l].packed = &(*shared)[l];
  st.packed = std::move(shared);
  st.precision = p;
  return Status::ok;
}

}  // namespace shapca
