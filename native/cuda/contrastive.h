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

// L_align over the four directions (c2t, t2c, c2i, i2c); image and image_mask (k, uint8) may be
// null; terms (4) and loss come back to the host; each gradient (k,d) may be null.
Status align_loss(double* loss, double* terms, float* dtext, float* dcontext, float* dimage, const float* text,
                  const float* context, const float* image, const uint8_t* image_mask, int64_t k, int64_t d,
                  const AlignConfig& cfg);

// Shapley values of players (k,d) against targets (n,d) (shapley.values): normalise, the GEMMs,
// then the exact walk or the permutation scan; phi, stderr (n,k) on the device.
Status shapley_values(float* phi, float* stderr, const float* players, const float* targets, int64_t k, int64_t n,
                      int64_t d, ShapleyMethod method, const ShapleyConfig& cfg, int64_t max_exact, bool normalize);

}  // namespace shapca::cuda
