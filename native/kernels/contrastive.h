// Contrastive alignment losses over a batch of k pairs (docs/ARCHITECTURE.md, "Alignment"), with
// their backward.
//
// Players P (k,d) and targets T (k,d) are raw embeddings: both are L2-normalised inside,
//   p̂ = p/||p||,  backward  dp += (dp̂ − p̂·<p̂, dp̂>)/||p||,
// and the positive of target j is player j. The losses fold the normalisation into the GEMMs
// (s_ij = (p_i·t_j)/(||p_i||·||t_j||) from the raw rows, and the backward's projection as a row
// correction after them): no normalised copies are made.
//   Shap-CA   L(P→T) = −(1/k) Σ_j log softmax_i(phi_ij/tau)[j], phi the permutation estimate of
//             shapley.h on s = P̂ T̂ᵀ (and G = P̂ P̂ᵀ for cosine-sum);
//             dphi_ij = (softmax_i(phi_·j/tau) − [i=j])/(k·tau), back through the scan to dS (dG),
//             then dP̂ = dS T̂ + 2 dG P̂, dT̂ = dSᵀ P̂ (dG is symmetric).
//   InfoNCE   the same with s_ij in place of phi_ij.
//   Align     L_align = lambda_ct (L_c2t + L_t2c)/2 + lambda_ci (L_c2i + L_i2c)/2 with c = context,
//             t = text, i = image; samples whose image_mask is 0 leave the image
//             terms (players and targets both), which are 0 when fewer than 2 samples remain.
// Losses are returned in double; gradients are scaled by dloss and accumulated (+=).
#pragma once
#include <cstdint>

#include "../core/status.h"
#include "shapley.h"

namespace shapca {

// out (rows,d) = inp / ||inp|| row-wise; inv_norm (rows) keeps 1/||inp|| for backward. A zero or
// non-finite row fails, naming `what` and the row.
Status l2_normalize_forward(float* out, float* inv_norm, const float* inp, int64_t rows, int64_t d, const char* what);

// Shap-CA loss L(P→T). phi (k,k) (phi[j*k+i], may be null) receives the estimate;
// dplayers/dtargets (k,d) may both be null for a forward-only call. With accumulate false the
// gradients are written (=) instead of added, so fresh buffers need not be zeroed first.
Status shapca_loss(double* loss, float* phi, float* dplayers, float* dtargets, const float* players,
                   const float* targets, int64_t k, int64_t d, const ShapleyConfig& cfg, float temperature,
                   float dloss = 1.0f, bool accumulate = true);

// InfoNCE on s_ij/tau. logits (k,k) (logits[j*k+i] = s_ij/tau, may be null).
Status infonce_loss(double* loss, float* logits, float* dplayers, float* dtargets, const float* players,
                    const float* targets, int64_t k, int64_t d, float temperature, float dloss = 1.0f,
                    bool accumulate = true);

enum class AlignObjective : int { shapley = 0, infonce = 1 };

struct AlignConfig {
  AlignObjective objective = AlignObjective::shapley;
  ShapleyConfig shapley;
  float temperature = 0.07f;
  float lambda_ct = 0.5f;
  float lambda_ci = 0.5f;
};

// L_align of a batch: text, context, image (k,d) (image may be null: no image terms);
// image_mask (k) (null: every image present). terms (4) = {c2t, t2c, c2i, i2c}. Each gradient
// (k,d) may be null to skip it.
Status align_loss(double* loss, double* terms, float* dtext, float* dcontext, float* dimage, const float* text,
                  const float* context, const float* image, const uint8_t* image_mask, int64_t k, int64_t d,
                  const AlignConfig& cfg);

}  // namespace shapca
