#include "encoder_stack.h"

#include "vec_ops.h"

namespace shapca {

LayerActs stack_acts(const LayerStack& st, int64_t layer) {
  LayerActs a{};
  const int64_t set = st.training ? layer : 0;
  layer_acts_carve(&a, st.acts + set * layer_acts_floats(st.shape), st.shape);
  return a;
}

namespace {
struct CpuLayers {
  static constexpr auto layer_forward = shapca::layer_forward;
  static constexpr auto layer_backward = shapca::layer_backward;
  static constexpr auto zero = shapca::zero;
  static constexpr auto add_to = shapca::add_to;
};
}  // namespace

Status stack_forward(LayerStack& st, const float** out, const float* x0, const uint8_t* mask, const float* params) {
  if (st.training && st.precision != Precision::fp32) {
    return fail(Status::invalid_argument, "forward: training runs in fp32 but the model was set to %s for inference",
                precision_name(st.precision));
  }
  return stack_forward_with<CpuLayers>(st, out, x0, mask, params);
}

Status stack_backward(LayerStack& st, float* dx0, float* grads, const float* dout, const float* x0, const float* params) {
  return stack_backward_with<CpuLayers>(st, dx0, grads, dout, x0, params);
}

}  // namespace shapca
