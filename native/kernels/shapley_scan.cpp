// Permutation-sampled Shapley values of the embedding games and their backward (math in
// shapley.h). Games are split into fixed blocks of 16; each block scans every permutation in
// order, so the result does not depend on the thread count.
#include <cmath>
#include <cstring>
#include <vector>

#include "../core/cpu.h"
#include "avx2/contrastive_avx2.h"
#include "avx2/shapley_avx2.h"
#include "avx512/avx512.h"
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

// Tables of a block of L games, rows indexed by player: softmax-expectation keeps num = w·s̃,
// den = w, st = s̃ = s − m and off = m; the linear utilities keep num = s. Padding lanes: num 0,
// den 1, st 0, off 0. Reused across calls (one per thread) so the hot path does not allocate.
struct Block {
  int64_t j0 = 0, nb = 0;
  std::vector<double> num, den, st, off;
  std::vector<double> x, sum, shift, dsum, sq, dx, acc, work;  // scan scratch, (k,L) or (2k,L)
};

Block& thread_block() {
  thread_local Block b;
  return b;
}

void fill_block(Block& b, const float* s, int64_t k, int64_t n, int64_t j0, ShapleyUtility u, double inv_tau,
                bool avx) {
  b.j0 = j0;
  b.nb = std::min(L, n - j0);
  b.num.assign(k * L, 0.0);
  if (u != ShapleyUtility::softmax_expectation) {
    for (int64_t i = 0; i < k; ++i) {
      for (int64_t q = 0; q < b.nb; ++q) b.num[i * L + q] = s[i * n + j0 + q];
    }
    return;
  }
  b.den.resize(k * L);
  b.st.assign(k * L, 0.0);
  b.off.assign(L, 0.0);
  for (int64_t q = 0; q < b.nb; ++q) {
    float m = s[j0 + q];
    for (int64_t i = 1; i < k; ++i) m = s[i * n + j0 + q] > m ? s[i * n + j0 + q] : m;
    b.off[q] = m;
    for (int64_t i = 0; i < k; ++i) b.st[i * L + q] = static_cast<double>(s[i * n + j0 + q]) - m;
  }
  for (int64_t e = 0; e < k * L; ++e) b.den[e] = b.st[e] * inv_tau;  // ≥ −kMaxExpSpread (checked)
  if (avx) {
    avx2::exp_nonpositive(b.den.data(), b.den.data(), k * L);
  } else {
    for (int64_t e = 0; e < k * L; ++e) b.den[e] = std::exp(b.den[e]);
  }
  for (int64_t e = 0; e < k * L; ++e) b.num[e] = b.den[e] * b.st[e];
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

// What every block of one call shares.
struct Scan {
  const float* s;
  const float* g;
  const int32_t* perms;
  int64_t k, n, m;
  ShapleyUtility u;
  double inv_tau;
  bool avx, avx512;
  std::vector<double> c;  // position_coefficients
  std::vector<double> dc;  // cosine-sum: (blocks, M, k) per-block ∂/∂c

  const double* coefficients(int64_t r) const { return u == ShapleyUtility::cosine_sum ? c.data() + r * k : c.data(); }
};

Status prepare(Scan& sc, const char* what, float tau_u) {
  if (Status st = check_games(what, sc.s, sc.g, sc.k, sc.n, sc.u, tau_u); st != Status::ok) return st;
  if (Status st = check_permutations(what, sc.perms, sc.k, sc.m); st != Status::ok) return st;
  sc.inv_tau = sc.u == ShapleyUtility::softmax_expectation ? 1.0 / tau_u : 0.0;
  sc.avx = use_avx2();
  sc.avx512 = use_avx512();
  return position_coefficients(sc.c, sc.g, sc.perms, sc.k, sc.m, sc.u);
}

// Sample sums of a block: b.sum (k,L) = Σ_samples x; with stats, also the shifted sums of the
// variance (b.dsum, b.sq). A sample is one permutation, or an antithetic pair's mean. Without
// stats the scans add straight into b.sum.
void forward_block(const Scan& sc, Block& b, int64_t per, bool stats) {
  const int64_t k = sc.k, samples = sc.m / per;
  const double scale = 1.0 / static_cast<double>(per);
  auto scan = [&](double* x, int64_t r) {
    const int32_t* perm = sc.perms + r * k;
    if (sc.u == ShapleyUtility::softmax_expectation) {
      (sc.avx512 ? avx512::shapley_scan_ratio : sc.avx ? avx2::shapley_scan_ratio : scan_ratio_scalar)(
          x, b.num.data(), b.den.data(), b.off.data(), perm, k, scale);
    } else {
      (sc.avx ? avx2::shapley_scan_linear : scan_linear_scalar)(x, b.num.data(), sc.coefficients(r), perm, k, scale);
    }
  };
  b.sum.assign(k * L, 0.0);
  if (!stats) {
    for (int64_t r = 0; r < sc.m; ++r) scan(b.sum.data(), r);
    return;
  }
  b.x.resize(k * L);
  b.shift.resize(k * L), b.dsum.assign(k * L, 0.0), b.sq.assign(k * L, 0.0);
  for (int64_t q = 0; q < samples; ++q) {
    std::fill(b.x.begin(), b.x.end(), 0.0);
    for (int64_t r = q * per; r < (q + 1) * per; ++r) scan(b.x.data(), r);
    for (int64_t e = 0; e < k * L; ++e) b.sum[e] += b.x[e];
    // shifted sums: var = (Σ(x−K)² − (Σ(x−K))²/Q)/(Q−1), K = first sample
    if (q == 0) b.shift = b.x;
    for (int64_t e = 0; e < k * L; ++e) {
      const double dlt = b.x[e] - b.shift[e];
      b.dsum[e] += dlt;
      b.sq[e] += dlt * dlt;
    }
  }
}

// b.acc (k,L) = ∂/∂s of the block given b.dx (k,L) = ∂/∂phi / M; cosine-sum also fills its
// per-permutation ∂/∂c slice of sc.dc.
void backward_block(Scan& sc, Block& b, int64_t blk) {
  const int64_t k = sc.k;
  b.acc.assign(k * L, 0.0);
  b.work.resize(2 * k * L);
  for (int64_t r = 0; r < sc.m; ++r) {
    const int32_t* perm = sc.perms + r * k;
    if (sc.u == ShapleyUtility::softmax_expectation) {
      (sc.avx512 ? avx512::shapley_scan_ratio_backward
                  : sc.avx ? avx2::shapley_scan_ratio_backward : scan_ratio_backward_scalar)(
          b.acc.data(), b.work.data(), b.dx.data(), b.num.data(), b.den.data(), b.st.data(), perm, k, sc.inv_tau);
    } else {
      double* dcr = sc.u == ShapleyUtility::cosine_sum ? sc.dc.data() + (blk * sc.m + r) * k : b.work.data() + k * L;
      (sc.avx ? avx2::shapley_scan_linear_backward : scan_linear_backward_scalar)(
          b.acc.data(), dcr, b.work.data(), b.dx.data(), b.num.data(), sc.coefficients(r), perm, k);
    }
  }
}

// cosine-sum: dQ_t = −dc_t·c_t³/2 summed over blocks in order, suffix sums R_t = Σ_{t' ≥ t} dQ_t',
// then dG[π_a][π_b] += R_max(a,b), one task per 16 rows of dG.
Status gram_backward(float* dg, const Scan& sc) {
  const int64_t k = sc.k, m = sc.m, blocks = (sc.n + L - 1) / L;
  std::vector<double> rsum(m * k);
  std::vector<int64_t> pos(m * k);
  for (int64_t r = 0; r < m; ++r) {
    double run = 0.0;
    for (int64_t t = k - 1; t >= 0; --t) {
      double dct = 0.0;
      for (int64_t blk = 0; blk < blocks; ++blk) dct += sc.dc[(blk * m + r) * k + t];
      const double ct = sc.c[r * k + t];
      run += -0.5 * dct * ct * ct * ct;
      rsum[r * k + t] = run;
      pos[r * k + sc.perms[r * k + t]] = t;
    }
  }
  return run_tasks("shapley Gram backward", (k + L - 1) / L, [&](int64_t rb) {
    std::vector<double> row(k);
    for (int64_t i = rb * L; i < std::min(k, rb * L + L); ++i) {
      std::fill(row.begin(), row.end(), 0.0);
      for (int64_t r = 0; r < m; ++r) {
        const int32_t* perm = sc.perms + r * k;
        const double* rr = rsum.data() + r * k;
        const int64_t a = pos[r * k + i];
        for (int64_t t = 0; t < a; ++t) row[perm[t]] += rr[a];
        for (int64_t t = a; t < k; ++t) row[perm[t]] += rr[t];
      }
      for (int64_t col = 0; col < k; ++col) dg[i * k + col] += static_cast<float>(row[col]);
    }
  });
}

}  // namespace

Status shapley_permutation_forward(float* phi, float* stderr, const float* s, const float* g, const int32_t* perms,
                                   int64_t k, int64_t n, int64_t m, bool antithetic, ShapleyUtility u, float tau_u) {
  const char* what = "shapley_permutation_forward";
  if (antithetic && m % 2 != 0) {
    return fail(Status::invalid_argument, "%s: antithetic sampling needs an even number of permutations, received %lld",
                what, static_cast<long long>(m));
  }
  if (n > 0 && phi == nullptr) return fail(Status::invalid_argument, "%s: phi is null", what);
  return guarded(what, [&]() -> Status {
    Scan sc{s, g, perms, k, n, m, u, 0.0, false, false, {}, {}};
    if (Status st = prepare(sc, what, tau_u); st != Status::ok || n == 0) return st;
    const int64_t per = antithetic ? 2 : 1, samples = m / per;
    return run_tasks(what, (n + L - 1) / L, [&](int64_t blk) {
      Block& b = thread_block();
      fill_block(b, s, k, n, blk * L, u, sc.inv_tau, sc.avx);
      forward_block(sc, b, per, stderr != nullptr);
      const double qn = static_cast<double>(samples);
      for (int64_t i = 0; i < k; ++i) {
        for (int64_t jb = 0; jb < b.nb; ++jb) {
          const int64_t e = i * L + jb, out = (b.j0 + jb) * k + i;
          phi[out] = static_cast<float>(b.sum[e] / qn);
          if (stderr) {
            const double var = samples < 2 ? NAN : std::fmax(0.0, (b.sq[e] - b.dsum[e] * b.dsum[e] / qn) / (qn - 1.0));
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
  if (n > 0 && (ds == nullptr || dphi == nullptr)) return fail(Status::invalid_argument, "%s: ds or dphi is null", what);
  if (u == ShapleyUtility::cosine_sum && dg == nullptr) {
    return fail(Status::invalid_argument, "%s: cosine-sum needs dg for the Gram matrix's gradient", what);
  }
  return guarded(what, [&]() -> Status {
    Scan sc{s, g, perms, k, n, m, u, 0.0, false, false, {}, {}};
    if (Status st = prepare(sc, what, tau_u); st != Status::ok || n == 0) return st;
    const int64_t blocks = (n + L - 1) / L;
    if (u == ShapleyUtility::cosine_sum) sc.dc.assign(blocks * m * k, 0.0);
    Status st = run_tasks(what, blocks, [&](int64_t blk) {
      Block& b = thread_block();
      fill_block(b, s, k, n, blk * L, u, sc.inv_tau, sc.avx);
      b.dx.assign(k * L, 0.0);
      for (int64_t i = 0; i < k; ++i) {
        for (int64_t jb = 0; jb < b.nb; ++jb) b.dx[i * L + jb] = dphi[(b.j0 + jb) * k + i] / static_cast<double>(m);
      }
      backward_block(sc, b, blk);
      for (int64_t i = 0; i < k; ++i) {
        for (int64_t jb = 0; jb < b.nb; ++jb) ds[i * n + b.j0 + jb] += static_cast<float>(b.acc[i * L + jb]);
      }
    });
    if (st != Status::ok || u != ShapleyUtility::cosine_sum) return st;
    return gram_backward(dg, sc);
  });
}

Status shapley_permutation_fused(float* phi, float* ds, float* dg, const float* s, const float* g,
                                 const int32_t* perms, int64_t k, int64_t n, int64_t m, bool antithetic,
                                 ShapleyUtility u, float tau_u, const ShapleyHead& head) {
  const char* what = "shapley_permutation_fused";
  if (antithetic && m % 2 != 0) {
    return fail(Status::invalid_argument, "%s: antithetic sampling needs an even number of permutations, received %lld",
                what, static_cast<long long>(m));
  }
  if (n > 0 && (ds == nullptr || !head)) return fail(Status::invalid_argument, "%s: ds or the head is null", what);
  if (u == ShapleyUtility::cosine_sum && dg == nullptr) {
    return fail(Status::invalid_argument, "%s: cosine-sum needs dg for the Gram matrix's gradient", what);
  }
  return guarded(what, [&]() -> Status {
    Scan sc{s, g, perms, k, n, m, u, 0.0, false, false, {}, {}};
    if (Status st = prepare(sc, what, tau_u); st != Status::ok || n == 0) return st;
    const int64_t blocks = (n + L - 1) / L;
    if (u == ShapleyUtility::cosine_sum) sc.dc.assign(blocks * m * k, 0.0);
    Status st = run_tasks(what, blocks, [&](int64_t blk) {
      Block& b = thread_block();
      fill_block(b, s, k, n, blk * L, u, sc.inv_tau, sc.avx);
      const int64_t per = antithetic ? 2 : 1;
      forward_block(sc, b, per, false);
      const double inv_m = 1.0 / static_cast<double>(m), samples = static_cast<double>(m / per);
      for (int64_t e = 0; e < k * L; ++e) b.sum[e] /= samples;  // the estimate, as the forward computes it
      b.dx.assign(k * L, 0.0);
      head(b.j0, b.nb, b.sum.data(), b.dx.data());
      for (int64_t e = 0; e < k * L; ++e) b.dx[e] *= inv_m;
      for (int64_t i = 0; phi && i < k; ++i) {
        for (int64_t jb = 0; jb < b.nb; ++jb) phi[(b.j0 + jb) * k + i] = static_cast<float>(b.sum[i * L + jb]);
      }
      backward_block(sc, b, blk);
      for (int64_t i = 0; i < k; ++i) {
        for (int64_t jb = 0; jb < b.nb; ++jb) ds[i * n + b.j0 + jb] += static_cast<float>(b.acc[i * L + jb]);
      }
    });
    if (st != Status::ok || u != ShapleyUtility::cosine_sum) return st;
    return gram_backward(dg, sc);
  });
}

}  // namespace shapca
