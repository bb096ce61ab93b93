#include <algorithm>
#include <cstring>
#include <numeric>
#include <string>

#include "core/thread_pool.h"
#include "harness.h"
#include "kernels/contrastive.h"
#include "kernels/shapley.h"

using namespace shapca;
using namespace shapca::test;

namespace {

const ShapleyUtility kUtilities[] = {ShapleyUtility::softmax_expectation, ShapleyUtility::cosine_sum,
                                     ShapleyUtility::mean};

// Random unit players (k,d) and targets (n,d) → s (k,n) and G (k,k) as float.
struct Games {
  int64_t k, n;
  std::vector<float> s, g;
};

Games make_games(int64_t k, int64_t n, int64_t d, uint64_t seed) {
  auto p = random_vector(k * d, seed), t = random_vector(n * d, seed + 1);
  auto unit = [d](std::vector<float>& x, int64_t rows) {
    for (int64_t r = 0; r < rows; ++r) {
      double sq = 0.0;
      for (int64_t c = 0; c < d; ++c) sq += double(x[r * d + c]) * x[r * d + c];
      for (int64_t c = 0; c < d; ++c) x[r * d + c] = float(x[r * d + c] / std::sqrt(sq));
    }
  };
  unit(p, k), unit(t, n);
  Games gm{k, n, std::vector<float>(k * n), std::vector<float>(k * k)};
  for (int64_t i = 0; i < k; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double a = 0.0;
      for (int64_t c = 0; c < d; ++c) a += double(p[i * d + c]) * t[j * d + c];
      gm.s[i * n + j] = float(a);
    }
    for (int64_t j = 0; j < k; ++j) {
      double a = 0.0;
      for (int64_t c = 0; c < d; ++c) a += double(p[i * d + c]) * p[j * d + c];
      gm.g[i * k + j] = float(a);
    }
  }
  return gm;
}

// v_j(S) from scratch, straight from the definitions in kernels/shapley.h.
double utility(const Games& gm, int64_t j, uint32_t mask, ShapleyUtility u, double tau) {
  if (mask == 0) return 0.0;
  double num = 0.0, den = 0.0;
  for (int64_t i = 0; i < gm.k; ++i) {
    if (!((mask >> i) & 1u)) continue;
    const double s = gm.s[i * gm.n + j];
    if (u == ShapleyUtility::softmax_expectation) {
      num += std::exp(s / tau) * s;
      den += std::exp(s / tau);
    } else {
      num += s;
      den += 1.0;
    }
  }
  if (u == ShapleyUtility::cosine_sum) {
    den = 0.0;
    for (int64_t a = 0; a < gm.k; ++a) {
      for (int64_t b = 0; b < gm.k; ++b) {
        if (((mask >> a) & 1u) && ((mask >> b) & 1u)) den += gm.g[a * gm.k + b];
      }
    }
    den = std::sqrt(den);
  }
  return num / den;
}

// phi (n,k) by the subset formula, over a table of v_j(S) computed from scratch per coalition.
std::vector<float> brute_force(const Games& gm, ShapleyUtility u, double tau) {
  const int64_t k = gm.k;
  std::vector<float> phi(gm.n * k);
  std::vector<double> v(size_t{1} << k), w(k);
  for (int64_t s = 0; s < k; ++s) w[s] = std::exp(std::lgamma(s + 1.0) + std::lgamma(double(k - s)) - std::lgamma(k + 1.0));
  for (int64_t j = 0; j < gm.n; ++j) {
    for (uint32_t mask = 0; mask < (1u << k); ++mask) v[mask] = utility(gm, j, mask, u, tau);
    for (int64_t i = 0; i < k; ++i) {
      double acc = 0.0;
      for (uint32_t mask = 0; mask < (1u << k); ++mask) {
        if ((mask >> i) & 1u) continue;
        acc += w[__builtin_popcount(mask)] * (v[mask | (1u << i)] - v[mask]);
      }
      phi[j * k + i] = float(acc);
    }
  }
  return phi;
}

std::vector<double> exact_game(const std::vector<double>& v, int64_t k) {
  std::vector<double> phi(k);
  Status s = shapley_exact_game(phi.data(), v.data(), k);
  CHECK_MSG(s == Status::ok, last_error());
  return phi;
}

}  // namespace

TEST("shapley exact game: efficiency, symmetry, null player, additivity on random games") {
  for (int64_t k : {1, 3, 7, 13}) {
    const int64_t total = int64_t{1} << k;
    auto r1 = random_vector(total, 10 + k), r2 = random_vector(total, 20 + k);
    std::vector<double> v(total), w(total), sym(total), nul(total), sum(total);
    for (int64_t m = 0; m < total; ++m) {
      v[m] = r1[m], w[m] = r2[m];
      // players 0 and 1 interchangeable: the value depends on the set {0,1}∩S only through its size
      const int64_t swapped = (m & ~int64_t{3}) | ((m & 1) << 1) | ((m >> 1) & 1);
      sym[m] = r1[std::min(m, swapped)];
      nul[m] = r1[m & ~(int64_t{1} << (k - 1))];  // the last player never changes the value
      sum[m] = v[m] + w[m];
    }
    auto pv = exact_game(v, k), pw = exact_game(w, k), psum = exact_game(sum, k);
    double total_phi = std::accumulate(pv.begin(), pv.end(), 0.0);
    CHECK_MSG(std::fabs(total_phi - (v[total - 1] - v[0])) < 1e-10, "efficiency k=" + std::to_string(k));
    for (int64_t i = 0; i < k; ++i) CHECK(std::fabs(psum[i] - pv[i] - pw[i]) < 1e-10);
    if (k >= 2) {
      auto ps = exact_game(sym, k);
      CHECK_MSG(std::fabs(ps[0] - ps[1]) < 1e-12, "symmetry k=" + std::to_string(k));
      auto pn = exact_game(nul, k);
      CHECK_MSG(std::fabs(pn[k - 1]) < 1e-12, "null player k=" + std::to_string(k));
    }
  }
}

TEST("shapley exact game: glove game and airport game closed forms") {
  // players 0 (left glove), 1 and 2 (right gloves): v = min(#left, #right) → 2/3, 1/6, 1/6
  std::vector<double> glove(8);
  for (int m = 0; m < 8; ++m) glove[m] = std::min(m & 1, ((m >> 1) & 1) + ((m >> 2) & 1));
  auto pg = exact_game(glove, 3);
  CHECK(std::fabs(pg[0] - 2.0 / 3) < 1e-14 && std::fabs(pg[1] - 1.0 / 6) < 1e-14 && std::fabs(pg[2] - 1.0 / 6) < 1e-14);
  // airport: v(S) = max cost in S; phi_i = Σ_{l ≤ i} (c_l − c_{l−1}) / (k − l) for sorted costs
  const double cost[] = {1.0, 2.5, 2.5, 4.0, 7.0, 7.5, 11.0};
  const int64_t k = 7;
  std::vector<double> air(1 << k, 0.0);
  for (int m = 0; m < (1 << k); ++m) {
    for (int i = 0; i < k; ++i) {
      if ((m >> i) & 1) air[m] = std::max(air[m], cost[i]);
    }
  }
  auto pa = exact_game(air, k);
  double expect = 0.0;
  for (int64_t i = 0; i < k; ++i) {
    expect += (cost[i] - (i ? cost[i - 1] : 0.0)) / double(k - i);
    CHECK_MSG(std::fabs(pa[i] - expect) < 1e-12, "airport player " + std::to_string(i));
  }
}

TEST("shapley exact game: rejects k above 25, k = 0 and NaN") {
  std::vector<double> phi(30), v(8, 0.0);
  CHECK(shapley_exact_game(phi.data(), v.data(), 26) == Status::out_of_range);
  CHECK(std::strstr(last_error(), "k <= 25") != nullptr);
  CHECK(shapley_exact_game(phi.data(), v.data(), 0) == Status::out_of_range);
  v[5] = NAN;
  CHECK(shapley_exact_game(phi.data(), v.data(), 3) == Status::non_finite);
  CHECK(std::strstr(last_error(), "values[5]") != nullptr);
}

TEST("shapley exact embedding games match brute-force subsets (k = 5, 12, 16; all utilities; both paths)") {
  for (int64_t k : {5, 12, 16}) {
    const int64_t n = k == 16 ? 2 : 19;  // 19 games: two blocks, one partial
    Games gm = make_games(k, n, 6, 100 + k);
    for (ShapleyUtility u : kUtilities) {
      auto expect = brute_force(gm, u, 0.1);
      for_each_path([&](KernelPath path) {
        std::vector<float> phi(n * k);
        Status s = shapley_exact_forward(phi.data(), gm.s.data(), gm.g.data(), k, n, u, 0.1f);
        CHECK_MSG(s == Status::ok, last_error());
        CHECK_CLOSE(phi.data(), expect.data(), phi.size(), 2e-6, 1e-5,
                    std::string(shapley_utility_name(u)) + " k=" + std::to_string(k) + " " + kernel_path_name(path));
      });
    }
  }
}

TEST("shapley permutation estimate over all k! permutations equals the exact values") {
  const int64_t k = 5, n = 7;
  std::vector<int32_t> perms, row(k);
  std::iota(row.begin(), row.end(), 0);
  do perms.insert(perms.end(), row.begin(), row.end());
  while (std::next_permutation(row.begin(), row.end()));
  const int64_t m = int64_t(perms.size()) / k;
  Games gm = make_games(k, n, 4, 7);
  for (ShapleyUtility u : kUtilities) {
    std::vector<float> exact(n * k);
    shapley_exact_forward(exact.data(), gm.s.data(), gm.g.data(), k, n, u, 0.2f);
    for_each_path([&](KernelPath path) {
      std::vector<float> phi(n * k), se(n * k);
      Status s = shapley_permutation_forward(phi.data(), se.data(), gm.s.data(), gm.g.data(), perms.data(), k, n, m,
                                             false, u, 0.2f);
      CHECK_MSG(s == Status::ok, last_error());
      CHECK_CLOSE(phi.data(), exact.data(), phi.size(), 1e-6, 1e-5,
                  std::string(shapley_utility_name(u)) + " " + kernel_path_name(path));
    });
  }
}

TEST("shapley permutations: antithetic pairs, reproducible, same result on 1 and 3 threads") {
  const int64_t k = 40, n = 37, m = 16;
  std::vector<int32_t> a(m * k), b(m * k);
  CHECK(shapley_permutations(a.data(), k, m, true, 99) == Status::ok);
  CHECK(shapley_permutations(b.data(), k, m, true, 99) == Status::ok);
  CHECK(a == b);
  for (int64_t i = 0; i < k; ++i) CHECK(a[k + i] == a[k - 1 - i]);
  CHECK(shapley_permutations(b.data(), k, m, true, 100) == Status::ok);
  CHECK(a != b);
  CHECK(shapley_permutations(b.data(), k, 3, true, 1) == Status::invalid_argument);
  Games gm = make_games(k, n, 8, 3);
  for (ShapleyUtility u : kUtilities) {
    std::vector<float> phi1(n * k), phi3(n * k), se1(n * k), se3(n * k);
    ThreadPool::global().set_threads(1);
    shapley_permutation_forward(phi1.data(), se1.data(), gm.s.data(), gm.g.data(), a.data(), k, n, m, true, u, 0.1f);
    ThreadPool::global().set_threads(3);
    shapley_permutation_forward(phi3.data(), se3.data(), gm.s.data(), gm.g.data(), a.data(), k, n, m, true, u, 0.1f);
    CHECK(std::memcmp(phi1.data(), phi3.data(), phi1.size() * 4) == 0);
    CHECK(std::memcmp(se1.data(), se3.data(), se1.size() * 4) == 0);
  }
  ThreadPool::global().set_threads(0);
}

TEST("shapley permutation backward matches finite differences of the estimate (all utilities, both paths)") {
  const int64_t k = 6, n = 5, m = 4;
  Games gm = make_games(k, n, 5, 21);
  std::vector<int32_t> perms(m * k);
  shapley_permutations(perms.data(), k, m, true, 5);
  auto probe = random_vector(n * k, 77);
  for (ShapleyUtility u : kUtilities) {
    for_each_path([&](KernelPath path) {
      const std::string label = std::string(shapley_utility_name(u)) + " " + kernel_path_name(path);
      auto objective = [&](const Games& g2) {
        std::vector<float> phi(n * k);
        shapley_permutation_forward(phi.data(), nullptr, g2.s.data(), g2.g.data(), perms.data(), k, n, m, true, u, 0.3f);
        double l = 0.0;
        for (int64_t e = 0; e < n * k; ++e) l += double(probe[e]) * phi[e];
        return l;
      };
      std::vector<float> ds(k * n, 0.0f), dg(k * k, 0.0f);
      Status s = shapley_permutation_backward(ds.data(), dg.data(), probe.data(), gm.s.data(), gm.g.data(),
                                              perms.data(), k, n, m, u, 0.3f);
      CHECK_MSG(s == Status::ok, last_error());
      const float h = 1e-2f;
      std::vector<float> num_ds(k * n), num_dg(k * k, 0.0f), ana_dg(k * k, 0.0f);
      for (int64_t e = 0; e < k * n; ++e) {
        Games up = gm, down = gm;
        up.s[e] += h, down.s[e] -= h;
        num_ds[e] = float((objective(up) - objective(down)) / (2 * h));
      }
      CHECK_CLOSE(ds.data(), num_ds.data(), ds.size(), 2e-3, 2e-3, label + " ds");
      if (u != ShapleyUtility::cosine_sum) return;
      for (int64_t a = 0; a < k; ++a) {  // G stays symmetric: perturb (a,b) and (b,a) together
        for (int64_t b = a; b < k; ++b) {
          Games up = gm, down = gm;
          up.g[a * k + b] += h, down.g[a * k + b] -= h;
          if (a != b) up.g[b * k + a] += h, down.g[b * k + a] -= h;
          num_dg[a * k + b] = float((objective(up) - objective(down)) / (2 * h));
          ana_dg[a * k + b] = a == b ? dg[a * k + a] : dg[a * k + b] + dg[b * k + a];
        }
      }
      CHECK_CLOSE(ana_dg.data(), num_dg.data(), ana_dg.size(), 2e-3, 2e-3, label + " dG");
    });
  }
}

TEST("shapley fused pass equals forward, head, backward (all utilities, 37 games)") {
  const int64_t k = 9, n = 37, m = 6;
  Games gm = make_games(k, n, 5, 13);
  std::vector<int32_t> perms(m * k);
  shapley_permutations(perms.data(), k, m, true, 8);
  auto probe = random_vector(n * k, 5);
  for (ShapleyUtility u : kUtilities) {
    std::vector<float> phi(n * k), phi_f(n * k), ds(k * n, 0.0f), dg(k * k, 0.0f), ds_f(k * n, 0.0f), dg_f(k * k, 0.0f);
    shapley_permutation_forward(phi.data(), nullptr, gm.s.data(), gm.g.data(), perms.data(), k, n, m, true, u, 0.2f);
    shapley_permutation_backward(ds.data(), dg.data(), probe.data(), gm.s.data(), gm.g.data(), perms.data(), k, n, m, u, 0.2f);
    // head: d(Σ probe ⊙ phi)/dphi = probe, read from the block's games
    Status s = shapley_permutation_fused(phi_f.data(), ds_f.data(), dg_f.data(), gm.s.data(), gm.g.data(), perms.data(),
                                         k, n, m, true, u, 0.2f,
                                         [&](int64_t j0, int64_t nb, const double*, double* dphi) {
                                           for (int64_t i = 0; i < k; ++i) {
                                             for (int64_t q = 0; q < nb; ++q) dphi[i * 16 + q] = probe[(j0 + q) * k + i];
                                           }
                                         });
    CHECK_MSG(s == Status::ok, last_error());
    const std::string label = shapley_utility_name(u);
    CHECK(std::memcmp(phi.data(), phi_f.data(), phi.size() * 4) == 0);
    CHECK_CLOSE(ds_f.data(), ds.data(), ds.size(), 1e-7, 1e-6, label + " ds");
    CHECK_CLOSE(dg_f.data(), dg.data(), dg.size(), 1e-7, 1e-6, label + " dg");
  }
}

TEST("shapley scan: avx2 matches scalar on 70 players x 45 games") {
  const int64_t k = 70, n = 45, m = 8;
  Games gm = make_games(k, n, 16, 9);
  std::vector<int32_t> perms(m * k);
  shapley_permutations(perms.data(), k, m, true, 1);
  auto dphi = random_vector(n * k, 4);
  for (ShapleyUtility u : kUtilities) {
    std::vector<float> ref_phi, ref_ds;
    for_each_path([&](KernelPath path) {
      std::vector<float> phi(n * k), ds(k * n, 0.0f), dg(k * k, 0.0f);
      shapley_permutation_forward(phi.data(), nullptr, gm.s.data(), gm.g.data(), perms.data(), k, n, m, true, u, 0.1f);
      shapley_permutation_backward(ds.data(), dg.data(), dphi.data(), gm.s.data(), gm.g.data(), perms.data(), k, n, m, u, 0.1f);
      if (path == KernelPath::scalar) {
        ref_phi = phi, ref_ds = ds;
        return;
      }
      CHECK_CLOSE(phi.data(), ref_phi.data(), phi.size(), 1e-6, 1e-5, std::string(shapley_utility_name(u)) + " phi");
      CHECK_CLOSE(ds.data(), ref_ds.data(), ds.size(), 1e-5, 1e-4, std::string(shapley_utility_name(u)) + " ds");
    });
  }
}

TEST("shapley checks: cosine-sum zero player, softmax underflow, NaN, bad permutations") {
  Games gm = make_games(4, 3, 4, 2);
  std::vector<float> phi(12);
  std::vector<int32_t> perms = {0, 1, 2, 3, 3, 2, 1, 0};
  auto g0 = gm.g;
  g0[2 * 4 + 2] = 0.0f;
  CHECK(shapley_exact_forward(phi.data(), gm.s.data(), g0.data(), 4, 3, ShapleyUtility::cosine_sum, 0.1f) ==
        Status::invalid_argument);
  CHECK(std::strstr(last_error(), "player 2") != nullptr);
  CHECK(shapley_exact_forward(phi.data(), gm.s.data(), gm.g.data(), 4, 3, ShapleyUtility::softmax_expectation,
                              1e-4f) == Status::out_of_range);
  auto s_nan = gm.s;
  s_nan[7] = NAN;
  CHECK(shapley_permutation_forward(phi.data(), nullptr, s_nan.data(), gm.g.data(), perms.data(), 4, 3, 2, true,
                                    ShapleyUtility::mean, 0.1f) == Status::non_finite);
  perms[5] = 0;
  CHECK(shapley_permutation_forward(phi.data(), nullptr, gm.s.data(), gm.g.data(), perms.data(), 4, 3, 2, true,
                                    ShapleyUtility::mean, 0.1f) == Status::invalid_argument);
  CHECK(std::strstr(last_error(), "row 1") != nullptr);
  CHECK(shapley_exact_forward(phi.data(), gm.s.data(), gm.g.data(), 26, 3, ShapleyUtility::mean, 0.1f) ==
        Status::out_of_range);
}

TEST("shapca loss: gradients match finite differences through normalisation and GEMMs") {
  const int64_t k = 5, d = 6;
  auto p = random_vector(k * d, 31), t = random_vector(k * d, 32);
  for (ShapleyUtility u : kUtilities) {
    ShapleyConfig cfg;
    cfg.utility = u, cfg.permutations = 4, cfg.seed = 3, cfg.tau_u = 0.5f;
    auto loss_of = [&](const std::vector<float>& pp, const std::vector<float>& tt) {
      double l = 0.0;
      shapca_loss(&l, nullptr, nullptr, nullptr, pp.data(), tt.data(), k, d, cfg, 0.5f);
      return l;
    };
    std::vector<float> dp(k * d, 0.0f), dt(k * d, 0.0f), num_p(k * d), num_t(k * d);
    double loss = 0.0;
    Status s = shapca_loss(&loss, nullptr, dp.data(), dt.data(), p.data(), t.data(), k, d, cfg, 0.5f);
    CHECK_MSG(s == Status::ok, last_error());
    CHECK(std::fabs(loss - loss_of(p, t)) < 1e-12);
    const float h = 1e-2f;
    for (int64_t e = 0; e < k * d; ++e) {
      auto up = p, down = p;
      up[e] += h, down[e] -= h;
      num_p[e] = float((loss_of(up, t) - loss_of(down, t)) / (2 * h));
      up = t, down = t;
      up[e] += h, down[e] -= h;
      num_t[e] = float((loss_of(p, up) - loss_of(p, down)) / (2 * h));
    }
    CHECK_CLOSE(dp.data(), num_p.data(), dp.size(), 2e-3, 2e-2, std::string(shapley_utility_name(u)) + " dplayers");
    CHECK_CLOSE(dt.data(), num_t.data(), dt.size(), 2e-3, 2e-2, std::string(shapley_utility_name(u)) + " dtargets");
  }
}
