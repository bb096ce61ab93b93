#include "device_layer.h"
#include "device_ops.h"
#include "device_stack.h"

namespace shapca::cuda {

Status device_stack_forward(LayerStack& st, const float** out, const float* x0, const uint8_t* mask, const float* params) {
  const float* x = x0;
  for (int64_t l = 0; l < static_cast<int64_t>(st.layers.size()); ++l) {
    const LayerActs a = stack_acts(st, l);
    SHAPCA_TRY(device_layer_forward(a, st.scratch, x, mask, params, st.layers[l], st.shape));
    x = layer_output(a, st.shape.pre_norm);
  }
  *out = x;
  return Status::ok;
}

Status device_stack_backward(LayerStack& st, float* dx0, float* grads, const float* dout, const float* x0,
                             const float* params) {
  if (!st.training) return fail(Status::invalid_argument, "backward: the last forward did not keep activations");
  const int64_t n = st.shape.b * st.shape.t * st.shape.c;
  const float* dy = dout;
  for (int64_t l = static_cast<int64_t>(st.layers.size()) - 1; l >= 0; --l) {
    float* dx = l == 0 ? dx0 : ((l % 2) ? st.dx_a : st.dx_b);
    if (l != 0) SHAPCA_TRY(zero(dx, n));
    const float* x = l == 0 ? x0 : layer_output(stack_acts(st, l - 1), st.shape.pre_norm);
    SHAPCA_TRY(device_layer_backward(dx, grads, dy, x, stack_acts(st, l), st.scratch, params, st.layers[l], st.shape));
    dy = dx;
  }
  if (st.layers.empty()) return add_to(dx0, dout, n);
  return Status::ok;
}

}  // namespace shapca::cuda
