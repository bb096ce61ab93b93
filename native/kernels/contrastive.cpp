// Shap-CA and InfoNCE losses of one direction (math in contrastive.h).
#include "contrastive.h"

#include <cmath>
#include <vector>

#include "gemm.h"
#include "rows.h"
#include "shapley_internal.h"

namespace shapca {

using shapley_detail::guarded;

Status l2_normalize_forward(float* out, float* inv_norm, const float* inp, int64_t rows, int64_t d, const char* what) {
  if (Status s = check_rows("l2_normalize_forward", rows, d, out, inv_norm, inp); s != Status::ok) return s;
  Status s = for_rows(rows, d, [&](int64_t r) {
    const float* x = inp + r * d;
    double sq = 0.0;
    for (int64_t c = 0; c < d; ++c) sq += static_cast<double>(x[c]) * x[c];
    const double inv = sq > 0.0 && std::isfinite(sq) ? 1.0 / std::sqrt(sq) : 0.0;
    inv_norm[r] = static_cast<float>(inv);
    for (int64_t c = 0; c < d; ++c) out[r * d + c] = static_cast<float>(x[c] * inv);
  });
  if (s != Status::ok) return s;
  for (int64_t r = 0; r < rows; ++r) {
    if (!(inv_norm[r] > 0.0f) || !std::isfinite(inv_norm[r])) {
      return fail(Status::invalid_argument,
                  "%s: row %lld has norm 0 (or not finite): the embeddings are compared by direction and must be "
                  "non-zero",
                  what, static_cast<long long>(r));
    }
  }
  return Status::ok;
}

Status l2_normalize_backward(float* dinp, const float* dout, const float* out, const float* inv_norm, int64_t rows,
                             int64_t d) {
  if (Status s = check_rows("l2_normalize_backward", rows, d, dinp, dout, out, inv_norm); s != Status::ok) return s;
  return for_rows(rows, d, [&](int64_t r) {
    const float *y = out + r * d, *dy = dout + r * d;
    double dot = 0.0;
    for (int64_t c = 0; c < d; ++c) dot += static_cast<double>(y[c]) * dy[c];
    const float fdot = static_cast<float>(dot), inv = inv_norm[r];
    for (int64_t c = 0; c < d; ++c) dinp[r * d + c] += (dy[c] - y[c] * fdot) * inv;
  });
}

namespace {

// Cross-entropy of the rows of z = x·inv_temp (k,k) with the diagonal as positives, averaged
// over rows; dx (or null) = dloss·(softmax(z) − onehot)·inv_temp/k.
double diagonal_cross_entropy(float* dx, const float* x, int64_t k, double inv_temp, double dloss) {
  double total = 0.0;
  std::vector<double> z(k);
  for (int64_t j = 0; j < k; ++j) {
    double mx = -INFINITY;
    for (int64_t i = 0; i < k; ++i) mx = std::fmax(mx, z[i] = x[j * k + i] * inv_temp);
    double sum = 0.0;
    for (int64_t i = 0; i < k; ++i) sum += std::exp(z[i] - mx);
    const double lse = mx + std::log(sum);
    total += lse - z[j];
    if (dx) {
      for (int64_t i = 0; i < k; ++i) {
        dx[j * k + i] = static_cast<float>(dloss * (std::exp(z[i] - lse) - (i == j ? 1.0 : 0.0)) * inv_temp / k);
      }
    }
  }
  return total / static_cast<double>(k);
}

Status check_pair(const char* what, const double* loss, const float* players, const float* targets, int64_t k,
                  int64_t d, float temperature) {
  if (k < 1 || d < 1) {
    return fail(Status::invalid_argument, "%s: expected k >= 1 and d >= 1 but received k=%lld d=%lld", what,
                static_cast<long long>(k), static_cast<long long>(d));
  }
  if (loss == nullptr || players == nullptr || targets == nullptr) {
    return fail(Status::invalid_argument, "%s: a required buffer is null", what);
  }
  if (!(temperature > 0.0f) || !std::isfinite(temperature)) {
    return fail(Status::invalid_argument, "%s: expected temperature > 0 but received %g", what, temperature);
  }
  return Status::ok;
}

// Normalised copies of players and targets with their inverse norms.
struct Normalised {
  std::vector<float> p, t, inv_p, inv_t;
};

Status normalise_pair(Normalised& nm, const float* players, const float* targets, int64_t k, int64_t d) {
  nm.p.resize(k * d), nm.t.resize(k * d), nm.inv_p.resize(k), nm.inv_t.resize(k);
  if (Status s = l2_normalize_forward(nm.p.data(), nm.inv_p.data(), players, k, d, "players"); s != Status::ok) return s;
  return l2_normalize_forward(nm.t.data(), nm.inv_t.data(), targets, k, d, "targets");
}

// dplayers += normalise'(dp̂), dtargets += normalise'(dt̂); either may be null.
Status normalise_backward(float* dplayers, float* dtargets, const Normalised& nm, const std::vector<float>& dp,
                          const std::vector<float>& dt, int64_t k, int64_t d) {
  if (dplayers) {
    if (Status s = l2_normalize_backward(dplayers, dp.data(), nm.p.data(), nm.inv_p.data(), k, d); s != Status::ok) return s;
  }
  if (dtargets) return l2_normalize_backward(dtargets, dt.data(), nm.t.data(), nm.inv_t.data(), k, d);
  return Status::ok;
}

}  // namespace

Status shapca_loss(double* loss, float* phi_out, float* dplayers, float* dtargets, const float* players,
                   const float* targets, int64_t k, int64_t d, const ShapleyConfig& cfg, float temperature,
                   float dloss) {
  const char* what = "shapca_loss";
  if (Status s = check_pair(what, loss, players, targets, k, d, temperature); s != Status::ok) return s;
  return guarded(what, [&]() -> Status {
    Normalised nm;
    if (Status s = normalise_pair(nm, players, targets, k, d); s != Status::ok) return s;
    const bool cosine = cfg.utility == ShapleyUtility::cosine_sum;
    const int64_t m = cfg.permutations;
    std::vector<float> sim(k * k), gram(cosine ? k * k : 0), phi(k * k), dphi(k * k);
    std::vector<int32_t> perms(static_cast<size_t>(std::max<int64_t>(m, 0) * k));
    Status s = sgemm(false, true, k, k, d, 1.0f, nm.p.data(), d, nm.t.data(), d, 0.0f, sim.data(), k, nullptr);
    if (s == Status::ok && cosine) {
      s = sgemm(false, true, k, k, d, 1.0f, nm.p.data(), d, nm.p.data(), d, 0.0f, gram.data(), k, nullptr);
    }
    if (s == Status::ok) s = shapley_permutations(perms.data(), k, m, cfg.antithetic, cfg.seed);
    if (s == Status::ok) {
      s = shapley_permutation_forward(phi.data(), nullptr, sim.data(), gram.data(), perms.data(), k, k, m,
                                      cfg.antithetic, cfg.utility, cfg.tau_u);
    }
    if (s != Status::ok) return s;
    const bool backward = dplayers != nullptr || dtargets != nullptr;
    *loss = diagonal_cross_entropy(backward ? dphi.data() : nullptr, phi.data(), k, 1.0 / temperature, dloss);
    if (phi_out) std::copy(phi.begin(), phi.end(), phi_out);
    if (!backward) return Status::ok;

    std::vector<float> ds(k * k, 0.0f), dg(cosine ? k * k : 0, 0.0f), dp(k * d, 0.0f), dt(k * d, 0.0f);
    s = shapley_permutation_backward(ds.data(), dg.data(), dphi.data(), sim.data(), gram.data(), perms.data(), k, k, m,
                                     cfg.utility, cfg.tau_u);
    // dP̂ = dS·T̂ (+ 2·dG·P̂), dT̂ = dSᵀ·P̂
    if (s == Status::ok) s = sgemm(false, false, k, d, k, 1.0f, ds.data(), k, nm.t.data(), d, 0.0f, dp.data(), d, nullptr);
    if (s == Status::ok && cosine) {
      s = sgemm(false, false, k, d, k, 2.0f, dg.data(), k, nm.p.data(), d, 1.0f, dp.data(), d, nullptr);
    }
    if (s == Status::ok) s = sgemm(true, false, k, d, k, 1.0f, ds.data(), k, nm.p.data(), d, 0.0f, dt.data(), d, nullptr);
    if (s != Status::ok) return s;
    return normalise_backward(dplayers, dtargets, nm, dp, dt, k, d);
  });
}

Status infonce_loss(double* loss, float* logits, float* dplayers, float* dtargets, const float* players,
                    const float* targets, int64_t k, int64_t d, float temperature, float dloss) {
  const char* what = "infonce_loss";
  if (Status s = check_pair(what, loss, players, targets, k, d, temperature); s != Status::ok) return s;
  return guarded(what, [&]() -> Status {
    Normalised nm;
    if (Status s = normalise_pair(nm, players, targets, k, d); s != Status::ok) return s;
    // st (k,k): row j = target j against every player, st[j*k+i] = s_ij
    std::vector<float> st(k * k), dst(k * k);
    Status s = sgemm(false, true, k, k, d, 1.0f, nm.t.data(), d, nm.p.data(), d, 0.0f, st.data(), k, nullptr);
    if (s != Status::ok) return s;
    const bool backward = dplayers != nullptr || dtargets != nullptr;
    const double inv_temp = 1.0 / temperature;
    *loss = diagonal_cross_entropy(backward ? dst.data() : nullptr, st.data(), k, inv_temp, dloss);
    if (logits) {
      for (int64_t e = 0; e < k * k; ++e) logits[e] = static_cast<float>(st[e] * inv_temp);
    }
    if (!backward) return Status::ok;
    std::vector<float> dp(k * d, 0.0f), dt(k * d, 0.0f);
    s = sgemm(false, false, k, d, k, 1.0f, dst.data(), k, nm.p.data(), d, 0.0f, dt.data(), d, nullptr);
    if (s == Status::ok) s = sgemm(true, false, k, d, k, 1.0f, dst.data(), k, nm.t.data(), d, 0.0f, dp.data(), d, nullptr);
    if (s != Status::ok) return s;
    return normalise_backward(dplayers, dtargets, nm, dp, dt, k, d);
  });
}

}  // namespace shapca
