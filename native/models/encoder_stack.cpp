#include "encoder_stack.h"

#include "cpu_backend.h"

namespace shapca {

LayerActs stack_acts(const LayerStack& st, int64_t layer) {
  LayerActs a{};
  const int64_t set = st.training ? layer : 0;
  layer_acts_carve(&a, st.acts + set * layer_acts_floats(st.shape), st.shape);
  return a;
}

Status stack_forward(LayerStack& st, const float** out, const float* x0, const uint8_t* mask, const float* params) {
  return stack_forward_with<CpuBackend>(st, out, x0, mask, params);
}

Status stack_backward(LayerStack& st, float* dx0, float* grads, const float* dout, const float* x0, const float* params) {
  return stack_backward_with<CpuBackend>(st, dx0, grads, dout, x0, params);
}

}  // namespace shapca
