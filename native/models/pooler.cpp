#include "pooler.h"

#include "cpu_backend.h"

namespace shapca {

Status tanh_pooler_forward(float* pooled, const float* x, const float* weight, const float* bias, int64_t b, int64_t t,
                           int64_t c) {
  return tanh_pooler_forward_with<CpuBackend>(pooled, x, weight, bias, b, t, c);
}

Status tanh_pooler_backward(float* dx, float* dweight, float* dbias, float* dpre, const float* dpooled,
                            const float* pooled, const float* x, const float* weight, int64_t b, int64_t t, int64_t c) {
  return tanh_pooler_backward_with<CpuBackend>(dx, dweight, dbias, dpre, dpooled, pooled, x, weight, b, t, c);
}

}  // namespace shapca
