#include "core/status.h"
#include "cuda/gemm.h"
#include "device_ops.h"
#include "device_pooler.h"

namespace shapca::cuda {

Status tanh_pooler_forward(float* pooled, const float* x, const float* weight, const float* bias, int64_t b, int64_t t,
                           int64_t c) {
  // CLS rows sit T·C apart
  SHAPCA_TRY(sgemm(false, true, b, c, c, 1.0f, x, t * c, weight, c, 0.0f, pooled, c, bias));
  return tanh_forward(pooled, pooled, b * c);
}

Status tanh_pooler_backward(float* dx, float* dweight, float* dbias, float* dpre, const float* dpooled,
                            const float* pooled, const float* x, const float* weight, int64_t b, int64_t t, int64_t c) {
  SHAPCA_TRY(zero(dpre, b * c));
  SHAPCA_TRY(tanh_backward(dpre, pooled, dpooled, b * c));
  SHAPCA_TRY(sgemm(true, false, c, c, b, 1.0f, dpre, c, x, t * c, 1.0f, dweight, c, nullptr));
  SHAPCA_TRY(matmul_backward(nullptr, nullptr, dbias, dpre, nullptr, nullptr, b, c, c));  // column sums
  return sgemm(false, false, b, c, c, 1.0f, dpre, c, weight, c, 1.0f, dx, t * c, nullptr);
}

}  // namespace shapca::cuda
