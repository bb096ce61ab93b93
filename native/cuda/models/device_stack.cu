#include "device_layer.h"
#include "device_ops.h"
#include "device_stack.h"

namespace shapca::cuda {

namespace {
struct DeviceLayers {
  static constexpr auto layer_forward = device_layer_forward;
  static constexpr auto layer_backward = device_layer_backward;
  static constexpr auto zero = cuda::zero;
  static constexpr auto add_to = cuda::add_to;
};
}  // namespace

Status device_stack_forward(LayerStack& st, const float** out, const float* x0, const uint8_t* mask, const float* params) {
  return stack_forward_with<DeviceLayers>(st, out, x0, mask, params);
}

Status device_stack_backward(LayerStack& st, float* dx0, float* grads, const float* dout, const float* x0,
                             const float* params) {
  return stack_backward_with<DeviceLayers>(st, dx0, grads, dout, x0, params);
}

}  // namespace shapca::cuda
