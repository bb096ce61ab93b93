// Shapley values of the batch games on the GPU: the contracts of kernels/shapley.h (math,
// layouts and messages there) on device pointers: s (k,n), g (k,k), perms (M,k), phi and
// stderr (n,k), ds (k,n), dg (k,k).
//
// Permutation scan: one thread per (game, permutation) walks the permutation with running sums
// in double and writes each player's marginal; a second kernel averages them per (game,
// player) in sample order, with the CPU's shifted-sum variance. Backward runs the CPU's
// reverse scans per (game, permutation) and sums the permutations in order, so no atomics: the
// result is the same on every run. Permutations come from the same Philox streams as the CPU
// (philox.cuh): the GPU samples exactly the CPU's permutations.
// Exact: each thread walks a 2^10-coalition stretch of the Gray code for one game (running
// N/D sums, the CPU's banking of entry/exit intervals), and the stretches are added in order.
// Inputs are checked on the device (finite similarities, the softmax-expectation spread,
// cosine-sum's Gram diagonal, that perms holds permutations) and fail with the CPU's messages.
#pragma once
#include <cstdint>

#include "../core/status.h"
#include "../kernels/shapley.h"

namespace shapca::cuda {

Status shapley_permutations(int32_t* perms, int64_t k, int64_t m, bool antithetic, uint64_t seed);

Status shapley_permutation_forward(float* phi, float* stderr, const float* s, const float* g, const int32_t* perms,
                                   int64_t k, int64_t n, int64_t m, bool antithetic, ShapleyUtility u, float tau_u);

// Accumulates ds (k,n) and, for cosine-sum, dg (k,k).
Status shapley_permutation_backward(float* ds, float* dg, const float* dphi, const float* s, const float* g,
                                    const int32_t* perms, int64_t k, int64_t n, int64_t m, ShapleyUtility u,
                                    float tau_u);

// Exact values of the n games (k ≤ 25) and of one game given as a table of 2^k doubles.
Status shapley_exact_forward(float* phi, const float* s, const float* g, int64_t k, int64_t n, ShapleyUtility u,
                             float tau_u);
Status shapley_exact_game(double* phi, const double* values, int64_t k);

}  // namespace shapca::cuda
