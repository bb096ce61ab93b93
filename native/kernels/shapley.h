// Shapley values of the batch games of Shap-CA (docs/ARCHITECTURE.md, "Shapley batch
// games"), exact and by permutation sampling.
//
// Players p_1..p_k and targets t_1..t_n give s_ij = <p_i, t_j>; target j's game has utility v_j(S),
// v_j(∅) = 0, and player i's Shapley value is
//   phi_ij = Σ_{S ⊆ N∖i} w(|S|)·(v_j(S ∪ i) − v_j(S)),   w(s) = s!(k−s−1)!/k!
// Utilities, all of the form v = N/D over running sums of the members:
//   softmax-expectation  v = Σ_S w s / Σ_S w, w_ij = exp((s_ij − m_j)/tau_u), m_j = max_i s_ij
//                        (the shift cancels; it keeps every w in (0, 1])
//   cosine-sum           v = Σ_S s_ij / sqrt(Q(S)),  Q(S) = ||Σ_S p||² = Σ_{a,b ∈ S} G_ab, G = P Pᵀ
//                        (a coalition whose vectors sum to ~0, Q ≤ 1e−20, has v = 0)
//   mean                 v = Σ_S s_ij / |S|
//
// Exact: rewriting the sum per coalition,
//   phi_i = Σ_{S ∋ i} (w(|S|−1) + w(|S|))·v(S) − Σ_S w(|S|)·v(S),   w(−1) = w(k) = 0,
// a Gray-code walk (one player enters or leaves per step) adds the first sum for every player at
// once: a running total U of the per-coalition terms, and for each player the U at which it
// entered; on leaving, the player banks U − U_entered. O(2^k) per game, plus O(k) for N/D.
// The N/D sums of a coalition come from two subset-sum tables (the low 10 players, each entry
// one player added to a smaller entry; the high players summed afresh once per 2^10 steps),
// so they are never updated by subtraction and carry no drift.
//
// Permutation (Castro et al. 2009): for a permutation π, δ_t = v(π_≤t) − v(π_<t) is the marginal
// of player π_t in every game; phi is the mean over M permutations. Running sums make one
// permutation O(k·n) for all games (cosine-sum's Q_t = Q_{t−1} + 2 Σ_{l<t} G_{π_l π_t} + G_{π_t π_t}
// is shared by all games, O(k²) per permutation). Antithetic sampling pairs each permutation with
// its reverse; a sample is then the pair's mean. stderr = sqrt(sample variance / samples).
//
// Backward (exact for the sampled permutations): dδ_t = dphi_{π_t}/M, dv_t = dδ_t − dδ_{t+1};
//   softmax-expectation: ds_l = w_l·Σ_{t ≥ pos(l)} dv_t/B_t·(1 + (s̃_l − ṽ_t)/tau_u),
//                        s̃ = s − m, ṽ_t = A_t/B_t (two suffix sums per game)
//   cosine-sum:          ds_l = Σ_{t ≥ pos(l)} dv_t/sqrt(Q_t);
//                        dQ_t = −Σ_j dv_tj·N_tj/(2 Q_t^{3/2}); dG_{π_a π_b} += Σ_{t ≥ max(a,b)} dQ_t
//   mean:                ds_l = Σ_{t ≥ pos(l)} dv_t/t
// The scans run in double, over blocks of 16 games, in a partition that does not depend on the
// thread count: results are bit-identical whatever the number of threads.
//
// Layouts: s is (k,n) (s[i*n+j] = <p_i,t_j>), g is (k,k), phi/stderr/dphi are (n,k)
// (phi[j*k+i], one row per game), perms is (M,k).
#pragma once
#include <cstdint>
#include <functional>

#include "../core/status.h"

namespace shapca {

enum class ShapleyUtility : int { softmax_expectation = 0, cosine_sum = 1, mean = 2 };

constexpr int64_t kShapleyExactMaxPlayers = 25;      // 2^25 coalitions: the hard limit
constexpr int64_t kShapleyExactDefaultPlayers = 20;  // the default limit of the exact method

const char* shapley_utility_name(ShapleyUtility u);

// Exact Shapley values of the game given as a table. phi is (k), values is (2^k) indexed by the
// coalition's bitmask (bit i = player i); 1 ≤ k ≤ 25. values[0] need not be 0.
Status shapley_exact_game(double* phi, const double* values, int64_t k);

// Draws M permutations of 0..k−1 into perms (M,k). Without antithetic, row r is a Fisher–Yates
// shuffle driven by the Philox stream (seed, r); with it, M is even and rows 2q, 2q+1 are the
// shuffle of stream (seed, q) and its reverse. Row r depends only on (seed, r, k).
Status shapley_permutations(int32_t* perms, int64_t k, int64_t m, bool antithetic, uint64_t seed);

// Exact Shapley values of the n games: phi (n,k); s (k,n); g (k,k), only read by cosine-sum.
Status shapley_exact_forward(float* phi, const float* s, const float* g, int64_t k, int64_t n, ShapleyUtility u,
                             float tau_u);

// Permutation estimate from M permutations perms (M,k): phi (n,k) is the mean, stderr (n,k) (or
// null) its standard error (NaN with fewer than 2 samples). antithetic: rows come in pairs and a
// sample is a pair's mean.
Status shapley_permutation_forward(float* phi, float* stderr, const float* s, const float* g, const int32_t* perms,
                                   int64_t k, int64_t n, int64_t m, bool antithetic, ShapleyUtility u, float tau_u);

// Backward of the permutation estimate phi: accumulates ds (k,n) += ∂/∂s and, for cosine-sum,
// dg (k,k) += ∂/∂G (symmetric; dg may be null for the other utilities).
Status shapley_permutation_backward(float* ds, float* dg, const float* dphi, const float* s, const float* g,
                                    const int32_t* perms, int64_t k, int64_t n, int64_t m, ShapleyUtility u,
                                    float tau_u);

// The head of a fused pass: for games [j0, j0+nb) it reads their estimate phi_blk (k,16)
// (phi_blk[i*16+q] = player i in game j0+q) and writes ∂objective/∂phi into dphi_blk (k,16)
// (lanes q ≥ nb are ignored). Heads of different blocks run concurrently.
using ShapleyHead = std::function<void(int64_t j0, int64_t nb, const double* phi_blk, double* dphi_blk)>;

// Forward, head and backward of the permutation estimate in one pass over the game blocks, so
// each block's tables are built once: phi (n,k) (or null) receives the estimate; ds (k,n) and,
// for cosine-sum, dg (k,k) accumulate the gradient of the head's objective.
Status shapley_permutation_fused(float* phi, float* ds, float* dg, const float* s, const float* g,
                                 const int32_t* perms, int64_t k, int64_t n, int64_t m, bool antithetic,
                                 ShapleyUtility u, float tau_u, const ShapleyHead& head);

}  // namespace shapca

namespace shapca {

// Options of the embedding-level calls (defaults: the Shap-CA loss's settings).
struct ShapleyConfig {
  ShapleyUtility utility = ShapleyUtility::softmax_expectation;
  float tau_u = 0.1f;
  int64_t permutations = 16;  // M
  bool antithetic = true;
  uint64_t seed = 0;
};

enum class ShapleyMethod : int { exact = 0, permutation = 1 };

// Shapley values of the n games of players (k,d) against targets (n,d) (the addon's shapleyValues,
// lib/shapley): both are L2-normalised first when normalize is set (zero rows are then an error),
// s = P Tᵀ and G = P Pᵀ (cosine-sum) are two GEMMs, then the exact walk (k ≤ max_exact ≤ 25) or the
// permutation scan. phi, stderr are (n,k); stderr (permutation only) may be null.
Status shapley_values(float* phi, float* stderr, const float* players, const float* targets, int64_t k, int64_t n,
                      int64_t d, ShapleyMethod method, const ShapleyConfig& cfg, int64_t max_exact, bool normalize);

}  // namespace shapca
