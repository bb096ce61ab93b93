// Argument checks of the Shapley and contrastive-loss entry points, shared by the CPU kernels and
// their CUDA twins (native/cuda) so that both fail the same way with the same message.
#pragma once
#include <cstdint>

#include "../core/status.h"
#include "shapley.h"

namespace shapca {

// One direction of a contrastive loss: k, d ≥ 1, the buffers, a finite temperature > 0.
Status check_loss_pair(const char* what, const double* loss, const float* players, const float* targets, int64_t k,
                       int64_t d, float temperature);

// align_loss: the buffers, k, d ≥ 1, finite λ_ct, λ_ci ≥ 0.
Status check_align_args(const char* what, const double* loss, const double* terms, const float* text,
                        const float* context, int64_t k, int64_t d, float lambda_ct, float lambda_ci);

// shapley_values: k, n, d ≥ 1, the buffers, and for the exact method k within its limit.
Status check_shapley_values_args(const char* what, const float* phi, const float* players, const float* targets,
                                 int64_t k, int64_t n, int64_t d, ShapleyMethod method, int64_t max_exact);

}  // namespace shapca
