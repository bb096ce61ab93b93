#include "device_backend.h"
#include "device_stack.h"

namespace shapca::cuda {

Status device_stack_forward(LayerStack& st, const float** out, const float* x0, const uint8_t* mask, const float* params) {
  return stack_forward_with<DeviceBackend>(st, out, x0, mask, params);
}

Status device_stack_backward(LayerStack& st, float* dx0, float* grads, const float* dout, const float* x0,
                             const float* params) {
  return stack_backward_with<DeviceBackend>(st, dx0, grads, dout, x0, params);
}

}  // namespace shapca::cuda
