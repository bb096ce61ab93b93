// AVX2/FMA entry points for the contrastive kernels (native/kernels/avx2/contrastive_avx2.cpp):
// row L2 normalisation, the inverse norms and row corrections of the folded normalisation, and
// the exp of the Shapley relevance weights. Same contract as the scalar code in contrastive.cpp /
// shapley_scan.cpp; call only when use_avx2().
#pragma once
#include <cstdint>

namespace shapca::avx2 {

// out = x / ||x|| for one row of d floats; returns 1/||x|| (0 for a zero or non-finite norm).
float l2_normalize_row(float* out, const float* x, int64_t d);
// 1/||x|| for one row (0 for a zero or non-finite norm), summed in double as l2_normalize_row.
float l2_inv_norm_row(const float* x, int64_t d);
// y −= a·x over one row of d floats.
void sub_scaled_row(float* y, float a, const float* x, int64_t d);
// out[i] = exp(x[i]) for x in [−708, 0] (relative error < 1e−14; 2^n·Taylor(11) of the rest).
void exp_nonpositive(double* out, const double* x, int64_t n);

}  // namespace shapca::avx2
