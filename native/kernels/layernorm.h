// LayerNorm over the last dimension.
//   mean[r] = Σ_c x[r,c] / C,  rstd[r] = 1 / sqrt(Σ_c (x[r,c] − mean)² / C + eps)
//   out[r,c] = (x[r,c] − mean[r]) · rstd[r] · weight[c] + bias[c]
// out, inp are (N, C); weight, bias are (C); mean, rstd are (N) and saved for backward.
// Backward (accumulates into dinp, dweight, dbias; dweight/dbias may be null):
//   n = (x − mean)·rstd, g = dout ⊙ weight
//   dinp += rstd · (g − mean_c(g) − n · mean_c(g ⊙ n)),  dweight += Σ_r dout ⊙ n,  dbias += Σ_r dout
#pragma once
#include <cstdint>

#include "../core/status.h"

namespace shapca {

Status layernorm_forward(float* out, float* mean, float* rstd, const float* inp, const float* weight,
                         const float* bias, int64_t n, int64_t c, float eps);
Status layernorm_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                          const float* weight, const float* mean, const float* rstd, int64_t n, int64_t c);

}  // namespace shapca
