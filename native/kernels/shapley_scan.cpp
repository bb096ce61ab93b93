// Permutation-sampled Shapley values of the embedding games and their backward (math in
// shapley.h). Games are split into fixed blocks of 16; each block scans every permutation in
// order, so the result does not depend on the thread count.
#include <cmath>
#include <cstring>
#include <vector>

#include "../core/cpu.h"
#include "avx2/shapley_avx2.h"
#include "shapley_internal.h"

namespace shapca {

using namespace shapley_detail;

namespace {

constexpr int64_t L = kGameBlock;

// --- scalar scans: the reference for avx2/shapley_avx2.cpp, same contract ---

void scan_ratio_scalar(double* x, const double* num, const double* den, const double* off, const int32_t* perm,
                       int64_t k, double scale) {
  double a[L] = {}, b[L] = {}, prev[L] = {};
  for (int64_t t = 0; t < k; ++t) {
    const int64_t p = perm[t];
    for (int64_t q = 0; q < L; ++q) {
      a[q] += num[p * L + q];
      b[q] += den[p * L + q];
      const double v = off[q] + a[q] / b[q];
      x[p * L + q] += scale * (v - prev[q]);
      prev[q] = v;
    }
  }
}

void scan_linear_scalar(double* x, const double* num, const double* c, const int32_t* perm, int64_t k, double scale) {
  double acc[L] = {}, prev[L] = {};
  for (int64_t t = 0; t < k; ++t) {
    const int64_t p = perm[t];
    for (int64_t q = 0; q < L; ++q) {
      acc[q] += num[p * L + q];
      const double v = c[t] * acc[q];
      x[p * L + q] += scale * (v - prev[q]);
      prev[q] = v;
    }
  }
}

void scan_ratio_backward_scalar(double* ds, double* work, const double* dx, const double* num, const double* den,
                                const double* st, const int32_t* perm, int64_t k, double inv_tau) {
  double* vt = work;          // (k,L) ṽ_t
  double* ib = work + k * L;  // (k,L) 1/B_t
  double a[L] = {}, b[L] = {};
  for (int64_t t = 0; t < k; ++t) {
    const int64_t p = perm[t];
    for (int64_t q = 0; q < L; ++q) {
      a[q] += num[p * L + q];
      b[q] += den[p * L + q];
      ib[t * L + q] = 1.0 / b[q];
      vt[t * L + q] = a[q] * ib[t * L + q];
    }
  }
  double r1[L] = {}, r2[L] = {}, next[L] = {};
  for (int64_t t = k - 1; t >= 0; --t) {
    const int64_t p = perm[t];
    for (int64_t q = 0; q < L; ++q) {
      const double dd = dx[p * L + q];
      const double g = (dd - next[q]) * ib[t * L + q];
      next[q] = dd;
      r1[q] += g;
      r2[q] += g * vt[t * L + q];
      ds[p * L + q] += den[p * L + q] * (r1[q] + (st[p * L + q] * r1[q] - r2[q]) * inv_tau);
    }
  }
}

void scan_linear_backward_scalar(double* ds, double* dc, double* work, const double* dx, const double* num,
                                 const double* c, const int32_t* perm, int64_t k) {
  double* nt = work;  // (k,L) N_t
  double acc[L] = {};
  for (int64_t t = 0; t < k; ++t) {
    const int64_t p = perm[t];
    for (int64_t q = 0; q < L; ++q) nt[t * L + q] = acc[q] += num[p * L + q];
  }
  double r[L] = {}, next[L] = {};
  for (int64_t t = k - 1; t >= 0; --t) {
    const int64_t p = perm[t];
    double dct = 0.0;
    for (int64_t q = 0; q < L; ++q) {
      const double dd = dx[p * L + q];
      const double dv = dd - next[q];
      next[q] = dd;
      r[q] += dv * c[t];
      dct += dv * nt[t * L + q];
      ds[p * L + q] += r[q];
    }
    dc[t] += dct;
  }
}

// --- one block of games, laid out for the scans ---

struct Block {
  int64_t j0 = 0, nb = 0;
  std::vector<double> num, den, st, off;  // (k,L), (k,L), (k,L), (L)
};

// softmax-expectation: num = w·s̃, den = w, st = s̃ = s − m, off = m; else num = s.
// Padding lanes: num 0, den 1, st 0, off 0.
void fill_block(Block& b, const float* s, int64_t k, int64_t n, int64_t j0, ShapleyUtility u, double inv_tau) {
  b.j0 = j0;
  b.nb = std::min(L, n - j0);
  b.num.assign(k * L, 0.0);
  if (u != ShapleyUtility::softmax_expectation) {
    for (int64_t i = 0; i < k; ++i) {
      for (int64_t q = 0; q < b.nb; ++q) b.num[i * L + q] = s[i * n + j0 + q];
    }
    return;
  }
  b.den.assign(k * L, 1.0);
  b.st.assign(k * L, 0.0);
  b.off.assign(L, 0.0);
  for (int64_t q = 0; q < b.nb; ++q) {
    double m = s[j0 + q];
    for (int64_t i = 1; i < k; ++i) m = std::fmax(m, static_cast<double>(s[i * n + j0 + q]));
    b.off[q] = m;
    for (int64_t i = 0; i < k; ++i) {
      const double st = static_cast<double>(s[i * n + j0 + q]) - m;
      const double w = std::exp(st * inv_tau);
      b.st[i * L + q] = st;
      b.den[i * L + q] = w;
      b.num[i * L + q] = w * st;
    }
  }
}

// Per-position coefficients of the linear utilities: cosine-sum c (M,k) = 1/sqrt(Q_t) (0 when
// Q_t ≤ kQFloor); mean c (k) = 1/t. Empty for softmax-expectation.
Status position_coefficients(std::vector<double>& c, const float* g, const int32_t* perms, int64_t k, int64_t m,
                             ShapleyUtility u) {
  if (u == ShapleyUtility::mean) {
    c.resize(k);
    for (int64_t t = 0; t < k; ++t) c[t] = 1.0 / static_cast<double>(t + 1);
    return Status::ok;
  }
  if (u != ShapleyUtility::cosine_sum) return Status::ok;
  c.resize(m * k);
  return run_tasks("shapley cosine-sum norms", m, [&](int64_t r) {
    const int32_t* perm = perms + r * k;
    double q = 0.0;
    for (int64_t t = 0; t < k; ++t) {
      const float* grow = g + static_cast<int64_t>(perm[t]) * k;
      double cross = 0.0;
      for (int64_t l = 0; l < t; ++l) cross += grow[perm[l]];
      q += 2.0 * cross + grow[perm[t]];
      c[r * k + t] = q > kQFloor ? 1.0 / std::sqrt(q) : 0.0;
    }
  });
}

const double* coefficients_row(const std::vector<double>& c, ShapleyUtility u, int64_t r, int64_t k) {
  return u == ShapleyUtility::cosine_sum ? c.data() + r * k : c.data();
}

Status check_scan(const char* what, const float* s, const float* g, const int32_t* perms, int64_t k, int64_t n,
                  int64_t m, ShapleyUtility u, float tau_u) {
  if (Status st = check_games(what, s, g, k, n, u, tau_u); st != Status::ok) return st;
  return check_permutations(what, perms, k, m);
}

}  // namespace

Status shapley_permutation_forward(float* phi, float* stderr, const float* s, const float* g, const int32_t* perms,
                                   int64_t k, int64_t n, int64_t m, bool antithetic, ShapleyUtility u, float tau_u) {
  const char* what = "shapley_permutation_forward";
  if (Status st = check_scan(what, s, g, perms, k, n, m, u, tau_u); st != Status::ok) return st;
  if (antithetic && m % 2 != 0) {
    return fail(Status::invalid_argument, "%s: antithetic sampling needs an even number of permutations, received %lld",
                what, static_cast<long long>(m));
  }
  if (n > 0 && phi == nullptr) return fail(Status::invalid_argument, "%s: phi is null", what);
  if (n == 0) return Status::ok;
  return guarded(what, [&]() -> Status {
    std::vector<double> c;
    if (Status st = position_coefficients(c, g, perms, k, m, u); st != Status::ok) return st;
    const bool avx = use_avx2();
    const int64_t per = antithetic ? 2 : 1, samples = m / per;
    const double inv_tau = u == ShapleyUtility::softmax_expectation ? 1.0 / tau_u : 0.0;
    return run_tasks(what, (n + L - 1) / L, [&](int64_t blk) {
      Block b;
      fill_block(b, s, k, n, blk * L, u, inv_tau);
      std::vector<double> x(k * L), sum(k * L, 0.0), shift, dsum, sq;
      if (stderr) shift.resize(k * L), dsum.assign(k * L, 0.0), sq.assign(k * L, 0.0);
      for (int64_t q = 0; q < samples; ++q) {
        std::fill(x.begin(), x.end(), 0.0);
        for (int64_t r = q * per; r < (q + 1) * per; ++r) {
          const int32_t* perm = perms + r * k;
          const double scale = 1.0 / static_cast<double>(per);
          if (u == ShapleyUtility::softmax_expectation) {
            (avx ? avx2::shapley_scan_ratio : scan_ratio_scalar)(x.data(), b.num.data(), b.den.data(), b.off.data(),
                                                                 perm, k, scale);
          } else {
            (avx ? avx2::shapley_scan_linear : scan_linear_scalar)(x.data(), b.num.data(),
                                                                   coefficients_row(c, u, r, k), perm, k, scale);
          }
        }
        for (int64_t e = 0; e < k * L; ++e) sum[e] += x[e];
        if (stderr) {  // shifted sums: var = (Σ(x−K)² − (Σ(x−K))²/Q)/(Q−1), K = first sample
          if (q == 0) shift = x;
          for (int64_t e = 0; e < k * L; ++e) {
            const double dlt = x[e] - shift[e];
            dsum[e] += dlt;
            sq[e] += dlt * dlt;
          }
        }
      }
      const double qn = static_cast<double>(samples);
      for (int64_t i = 0; i < k; ++i) {
        for (int64_t jb = 0; jb < b.nb; ++jb) {
          const int64_t e = i * L + jb, out = (b.j0 + jb) * k + i;
          phi[out] = static_cast<float>(sum[e] / qn);
          if (stderr) {
            const double var = samples < 2 ? NAN : std::fmax(0.0, (sq[e] - dsum[e] * dsum[e] / qn) / (qn - 1.0));
            stderr[out] = static_cast<float>(std::sqrt(var / qn));
          }
        }
      }
    });
  });
}

Status shapley_permutation_backward(float* ds, float* dg, const float* dphi, const float* s, const float* g,
                                    const int32_t* perms, int64_t k, int64_t n, int64_t m, ShapleyUtility u,
                                    float tau_u) {
  const char* what = "shapley_permutation_backward";
  if (Status st = check_scan(what, s, g, perms, k, n, m, u, tau_u); st != Status::ok) return st;
  if (n > 0 && (ds == nullptr || dphi == nullptr)) return fail(Status::invalid_argument, "%s: ds or dphi is null", what);
  if (u == ShapleyUtility::cosine_sum && dg == nullptr) {
    return fail(Status::invalid_argument, "%s: cosine-sum needs dg for the Gram matrix's gradient", what);
  }
  if (n == 0) return Status::ok;
  return guarded(what, [&]() -> Status {
    std::vector<double> c;
    if (Status st = position_coefficients(c, g, perms, k, m, u); st != Status::ok) return st;
    const bool avx = use_avx2();
    const int64_t blocks = (n + L - 1) / L;
    const double inv_tau = u == ShapleyUtility::softmax_expectation ? 1.0 / tau_u : 0.0;
    const bool cosine = u == ShapleyUtility::cosine_sum;
    std::vector<double> dc(cosine ? blocks * m * k : 0, 0.0);  // (blocks, M, k) per-block ∂/∂c
    Status st = run_tasks(what, blocks, [&](int64_t blk) {
      Block b;
      fill_block(b, s, k, n, blk * L, u, inv_tau);
      std::vector<double> dx(k * L, 0.0), acc(k * L, 0.0), work(2 * k * L), scratch(cosine ? 0 : k);
      for (int64_t i = 0; i < k; ++i) {
        for (int64_t jb = 0; jb < b.nb; ++jb) dx[i * L + jb] = dphi[(b.j0 + jb) * k + i] / static_cast<double>(m);
      }
      for (int64_t r = 0; r < m; ++r) {
        const int32_t* perm = perms + r * k;
        if (u == ShapleyUtility::softmax_expectation) {
          (avx ? avx2::shapley_scan_ratio_backward : scan_ratio_backward_scalar)(
              acc.data(), work.data(), dx.data(), b.num.data(), b.den.data(), b.st.data(), perm, k, inv_tau);
        } else {
          double* dcr = cosine ? dc.data() + (blk * m + r) * k : scratch.data();
          (avx ? avx2::shapley_scan_linear_backward : scan_linear_backward_scalar)(
              acc.data(), dcr, work.data(), dx.data(), b.num.data(), coefficients_row(c, u, r, k), perm, k);
        }
      }
      for (int64_t i = 0; i < k; ++i) {
        for (int64_t jb = 0; jb < b.nb; ++jb) ds[i * n + b.j0 + jb] += static_cast<float>(acc[i * L + jb]);
      }
    });
    if (st != Status::ok || !cosine) return st;

    // dQ_t = −dc_t·c_t³/2, summed over blocks in order, then suffix sums R_t = Σ_{t' ≥ t} dQ_t'.
    std::vector<double> rsum(m * k), pos(m * k);
    for (int64_t r = 0; r < m; ++r) {
      double run = 0.0;
      for (int64_t t = k - 1; t >= 0; --t) {
        double dct = 0.0;
        for (int64_t blk = 0; blk < blocks; ++blk) dct += dc[(blk * m + r) * k + t];
        const double ct = c[r * k + t];
        run += -0.5 * dct * ct * ct * ct;
        rsum[r * k + t] = run;
        pos[r * k + perms[r * k + t]] = static_cast<double>(t);
      }
    }
    // dG[π_a][π_b] += R_max(a,b), one task per 16 rows of dG.
    return run_tasks(what, (k + L - 1) / L, [&](int64_t rb) {
      std::vector<double> row(k);
      for (int64_t i = rb * L; i < std::min(k, rb * L + L); ++i) {
        std::fill(row.begin(), row.end(), 0.0);
        for (int64_t r = 0; r < m; ++r) {
          const int32_t* perm = perms + r * k;
          const double* rr = rsum.data() + r * k;
          const int64_t a = static_cast<int64_t>(pos[r * k + i]);
          for (int64_t t = 0; t < a; ++t) row[perm[t]] += rr[a];
          for (int64_t t = a; t < k; ++t) row[perm[t]] += rr[t];
        }
        for (int64_t col = 0; col < k; ++col) dg[i * k + col] += static_cast<float>(row[col]);
      }
    });
  });
}

}  // namespace shapca
