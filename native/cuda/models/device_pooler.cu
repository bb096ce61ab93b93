#include "device_backend.h"
#include "device_pooler.h"
#include "models/pooler.h"

namespace shapca::cuda {

Status tanh_pooler_forward(float* pooled, const float* x, const float* weight, const float* bias, int64_t b, int64_t t,
                           int64_t c) {
  return tanh_pooler_forward_with<DeviceBackend>(pooled, x, weight, bias, b, t, c);
}

Status tanh_pooler_backward(float* dx, float* dweight, float* dbias, float* dpre, const float* dpooled,
                            const float* pooled, const float* x, const float* weight, int64_t b, int64_t t, int64_t c) {
  return tanh_pooler_backward_with<DeviceBackend>(dx, dweight, dbias, dpre, dpooled, pooled, x, weight, b, t, c);
}

}  // namespace shapca::cuda
