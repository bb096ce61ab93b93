// The pieces of the GPU permutation scan shared by shapley_scan.cu and contrastive.cu (not a
// public header). A Scan holds device pointers into one workspace; the caller lays it out with
// scan_layout() and fills it with scan_prepare().
#pragma once
#include <cstdint>

#include "../core/status.h"
#include "../kernels/shapley.h"
#include "workspace.h"

namespace shapca::cuda::shapley_detail {

constexpr double kQFloor = 1e-20;        // cosine-sum: ||Σ p||² at or below this gives v = 0
constexpr double kMaxExpSpread = 700.0;  // softmax-expectation: (max − min)/tau_u at most this

// Device checks with the CPU's messages (kernels/shapley_common.cpp).
Status check_games(const char* what, const float* s, const float* g, int64_t k, int64_t n, ShapleyUtility u,
                   float tau_u);
// The same in two halves, so a caller can wait once for several checks: the host-side checks and
// the check kernel writing counters[0..3]; then the message for what the counters found.
Status launch_check_games(const char* what, unsigned long long* counters, const float* s, const float* g, int64_t k,
                          int64_t n, ShapleyUtility u, float tau_u);
Status report_games(const char* what, const unsigned long long* found, const float* s, const float* g, int64_t k,
                    int64_t n, float tau_u);
Status check_permutations(const char* what, const int32_t* perms, int64_t k, int64_t m);

struct Scan {
  int64_t k = 0, n = 0, m = 0;
  ShapleyUtility u = ShapleyUtility::softmax_expectation;
  double inv_tau = 0.0;
  const float* s = nullptr;
  const float* g = nullptr;
  const int32_t* perms = nullptr;
  // tables (k,n): num = w·s̃, den = w, st = s̃ (softmax-expectation) or num = s; off (n) = m_j
  double *num = nullptr, *den = nullptr, *st = nullptr, *off = nullptr;
  double* c = nullptr;     // cosine-sum (M,k) 1/sqrt(Q_t); mean (k) 1/t
  double* x = nullptr;     // (M,k,n): forward marginals, then backward ∂/∂s per permutation
  double* w1 = nullptr;    // (M,k,n) backward scratch
  double* w2 = nullptr;    // (M,k,n) backward scratch (softmax-expectation), ∂/∂c terms (cosine-sum)
  double* dx = nullptr;    // (k,n) ∂/∂phi / M, player-major
  double* phi = nullptr;   // (n,k) the estimate in double
  double* rsum = nullptr;  // cosine-sum (M,k) suffix sums of dQ
  int32_t* pos = nullptr;  // cosine-sum (M,k) position of each player
  double* loss = nullptr;  // (n) per-game losses of a head
};

// Reserves the Scan's arrays in c (backward: the backward scratch too).
struct ScanLayout {
  size_t num, den, st, off, c, x, w1, w2, dx, phi, rsum, pos, loss;
};
ScanLayout scan_layout(Carve& c, int64_t k, int64_t n, int64_t m, bool backward);
Scan scan_at(void* base, const ScanLayout& l, int64_t k, int64_t n, int64_t m, bool backward);

// Fills the tables and the position coefficients (inputs already checked).
Status scan_prepare(Scan& sc, ShapleyUtility u, float tau_u);
// sc.x = the marginal of every player in every game under every permutation.
Status scan_forward(const Scan& sc);
// phi (n,k) (or null), sc.phi and stderr (n,k) (or null) from sc.x.
Status scan_estimate(const Scan& sc, float* phi, float* stderr, bool antithetic);
// From sc.dx: ds (k,n) += ∂/∂s and, for cosine-sum, dg (k,k) += ∂/∂G.
Status scan_backward(const Scan& sc, float* ds, float* dg);

}  // namespace shapca::cuda::shapley_detail
