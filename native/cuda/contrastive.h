// Contrastive alignment losses on the GPU: the contracts of kernels/contrastive.h on device
// pointers (players, targets, gradients (k,d); phi, logits (k,k)); the loss comes back to the
// host in double. Shap-CA runs the whole chain on the device: normalise, the similarity (and
// Gram) GEMMs, the Philox permutations, the scan, the cross-entropy head, the reverse scan, the
// gradient GEMMs and the normalisation's backward.
#pragma once
#include <cstdint>

#include "../core/status.h"
#include "../kernels/contrastive.h"

namespace shapca::cuda {

Status l2_normalize_forward(float* out, float* inv_norm, const float* inp, int64_t rows, int64_t d, const char* what);
Status l2_normalize_backward(float* dinp, const float* dout, const float* out, const float* inv_norm, int64_t rows,
                             int64_t d);

Status shapca_loss(double* loss, float* phi, float* dplayers, float* dtargets, const float* players,
                   const float* targets, int64_t k, int64_t d, const ShapleyConfig& cfg, float temperature,
                   float dloss = 1.0f);

Status infonce_loss(double* loss, float* logits, float* dplayers, float* dtargets, const float* players,
                    const float* targets, int64_t k, int64_t d, float temperature, float dloss = 1.0f);

}  // namespace shapca::cuda
