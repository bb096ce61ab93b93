// Shap-CA and InfoNCE losses of one direction (math in contrastive.h).
#include "contrastive.h"
#include "loss_checks.h"

#include <cmath>
#include <vector>

#include "../core/cpu.h"
#include "avx2/contrastive_avx2.h"
#include "gemm.h"
#include "rows.h"
#include "shapley_internal.h"

namespace shapca {

using shapley_detail::guarded;

Status l2_normalize_forward(float* out, float* inv_norm, const float* inp, int64_t rows, int64_t d, const char* what) {
  if (Status s = check_rows("l2_normalize_forward", rows, d, out, inv_norm, inp); s != Status::ok) return s;
  const bool avx = use_avx2();
  Status s = for_rows(rows, d, [&](int64_t r) {
    const float* x = inp + r * d;
    if (avx) {
      inv_norm[r] = avx2::l2_normalize_row(out + r * d, x, d);
      return;
    }
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
  const bool avx = use_avx2();
  return for_rows(rows, d, [&](int64_t r) {
    const float *y = out + r * d, *dy = dout + r * d;
    if (avx) {
      avx2::l2_normalize_backward_row(dinp + r * d, y, dy, inv_norm[r], d);
      return;
    }
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


// Buffers of one loss call, kept per thread between calls (grow-only) so that the hot path does
// not allocate: normalised copies and inverse norms, similarities, gradients, permutations.
struct Workspace {
  std::vector<float> p, t, inv_p, inv_t, sim, gram, ds, dg, dp, dt;
  std::vector<int32_t> perms;
  std::vector<double> block_loss;
};

Workspace& workspace() {
  thread_local Workspace ws;
  return ws;
}

Status normalise_pair(Workspace& ws, const float* players, const float* targets, int64_t k, int64_t d) {
  ws.p.resize(k * d), ws.t.resize(k * d), ws.inv_p.resize(k), ws.inv_t.resize(k);
  if (Status s = l2_normalize_forward(ws.p.data(), ws.inv_p.data(), players, k, d, "players"); s != Status::ok) return s;
  return l2_normalize_forward(ws.t.data(), ws.inv_t.data(), targets, k, d, "targets");
}

// dplayers += normalise'(ws.dp), dtargets += normalise'(ws.dt); either may be null.
Status normalise_backward(float* dplayers, float* dtargets, const Workspace& ws, int64_t k, int64_t d) {
  if (dplayers) {
    if (Status s = l2_normalize_backward(dplayers, ws.dp.data(), ws.p.data(), ws.inv_p.data(), k, d); s != Status::ok) return s;
  }
  if (dtargets) return l2_normalize_backward(dtargets, ws.dt.data(), ws.t.data(), ws.inv_t.data(), k, d);
  return Status::ok;
}

// Cross-entropy head of the fused Shapley pass for games [j0, j0+nb): game j's row of phi over
// the players, positive i = j. Returns the block's summed loss.
double cross_entropy_block(double* dphi, const double* phi, int64_t j0, int64_t nb, int64_t k, double inv_temp,
                           double dscale) {
  constexpr int64_t L = shapley_detail::kGameBlock;
  // z from the float32 estimate the caller receives, as the forward-only path computes it
  auto z = [&](int64_t i, int64_t q) { return static_cast<float>(phi[i * L + q]) * inv_temp; };
  double total = 0.0;
  for (int64_t q = 0; q < nb; ++q) {
    double mx = -INFINITY;
    for (int64_t i = 0; i < k; ++i) mx = std::fmax(mx, z(i, q));
    double sum = 0.0;
    for (int64_t i = 0; i < k; ++i) sum += dphi[i * L + q] = std::exp(z(i, q) - mx);
    total += mx + std::log(sum) - z(j0 + q, q);
    const double inv_sum = 1.0 / sum;
    for (int64_t i = 0; i < k; ++i) dphi[i * L + q] = dscale * (dphi[i * L + q] * inv_sum - (i == j0 + q ? 1.0 : 0.0));
  }
  return total;
}

}  // namespace

Status shapca_loss(double* loss, float* phi_out, float* dplayers, float* dtargets, const float* players,
                   const float* targets, int64_t k, int64_t d, const ShapleyConfig& cfg, float temperature,
                   float dloss) {
  const char* what = "shapca_loss";
  if (Status s = check_loss_pair(what, loss, players, targets, k, d, temperature); s != Status::ok) return s;
  return guarded(what, [&]() -> Status {
    Workspace& ws = workspace();
    if (Status s = normalise_pair(ws, players, targets, k, d); s != Status::ok) return s;
    const bool cosine = cfg.utility == ShapleyUtility::cosine_sum;
    const int64_t m = cfg.permutations;
    ws.sim.resize(k * k), ws.gram.resize(cosine ? k * k : 0);
    ws.perms.resize(static_cast<size_t>(std::max<int64_t>(m, 0) * k));
    Status s = sgemm(false, true, k, k, d, 1.0f, ws.p.data(), d, ws.t.data(), d, 0.0f, ws.sim.data(), k, nullptr);
    if (s == Status::ok && cosine) {
      s = sgemm(false, true, k, k, d, 1.0f, ws.p.data(), d, ws.p.data(), d, 0.0f, ws.gram.data(), k, nullptr);
    }
    if (s == Status::ok) s = shapley_permutations(ws.perms.data(), k, m, cfg.antithetic, cfg.seed);
    if (s != Status::ok) return s;
    const double inv_temp = 1.0 / temperature;
    if (dplayers == nullptr && dtargets == nullptr) {  // forward only
      std::vector<float> phi(k * k);
      s = shapley_permutation_forward(phi.data(), nullptr, ws.sim.data(), ws.gram.data(), ws.perms.data(), k, k, m,
                                      cfg.antithetic, cfg.utility, cfg.tau_u);
      if (s != Status::ok) return s;
      *loss = diagonal_cross_entropy(nullptr, phi.data(), k, inv_temp, dloss);
      if (phi_out) std::copy(phi.begin(), phi.end(), phi_out);
      return Status::ok;
    }

    // One pass per block of games: estimate, cross-entropy head, backward to dS (and dG).
    const int64_t blocks = (k + shapley_detail::kGameBlock - 1) / shapley_detail::kGameBlock;
    ws.block_loss.assign(blocks, 0.0);
    ws.ds.assign(k * k, 0.0f), ws.dg.assign(cosine ? k * k : 0, 0.0f);
    const double dscale = dloss * inv_temp / static_cast<double>(k);
    s = shapley_permutation_fused(phi_out, ws.ds.data(), ws.dg.data(), ws.sim.data(), ws.gram.data(), ws.perms.data(),
                                  k, k, m, cfg.antithetic, cfg.utility, cfg.tau_u,
                                  [&](int64_t j0, int64_t nb, const double* phi, double* dphi) {
                                    ws.block_loss[j0 / shapley_detail::kGameBlock] =
                                        cross_entropy_block(dphi, phi, j0, nb, k, inv_temp, dscale);
                                  });
    if (s != Status::ok) return s;
    double total = 0.0;
    for (double b : ws.block_loss) total += b;
    *loss = total / static_cast<double>(k);

    // dP̂ = dS·T̂ (+ 2·dG·P̂), dT̂ = dSᵀ·P̂
    ws.dp.resize(k * d), ws.dt.resize(k * d);
    s = sgemm(false, false, k, d, k, 1.0f, ws.ds.data(), k, ws.t.data(), d, 0.0f, ws.dp.data(), d, nullptr);
    if (s == Status::ok && cosine) {
      s = sgemm(false, false, k, d, k, 2.0f, ws.dg.data(), k, ws.p.data(), d, 1.0f, ws.dp.data(), d, nullptr);
    }
    if (s == Status::ok) s = sgemm(true, false, k, d, k, 1.0f, ws.ds.data(), k, ws.p.data(), d, 0.0f, ws.dt.data(), d, nullptr);
    if (s != Status::ok) return s;
    return normalise_backward(dplayers, dtargets, ws, k, d);
  });
}

Status infonce_loss(double* loss, float* logits, float* dplayers, float* dtargets, const float* players,
                    const float* targets, int64_t k, int64_t d, float temperature, float dloss) {
  const char* what = "infonce_loss";
  if (Status s = check_loss_pair(what, loss, players, targets, k, d, temperature); s != Status::ok) return s;
  return guarded(what, [&]() -> Status {
    Workspace& ws = workspace();
    if (Status s = normalise_pair(ws, players, targets, k, d); s != Status::ok) return s;
    // sim (k,k): row j = target j against every player, sim[j*k+i] = s_ij; ds its gradient
    ws.sim.resize(k * k), ws.ds.resize(k * k);
    Status s = sgemm(false, true, k, k, d, 1.0f, ws.t.data(), d, ws.p.data(), d, 0.0f, ws.sim.data(), k, nullptr);
    if (s != Status::ok) return s;
    const bool backward = dplayers != nullptr || dtargets != nullptr;
    const double inv_temp = 1.0 / temperature;
    *loss = diagonal_cross_entropy(backward ? ws.ds.data() : nullptr, ws.sim.data(), k, inv_temp, dloss);
    if (logits) {
      for (int64_t e = 0; e < k * k; ++e) logits[e] = static_cast<float>(ws.sim[e] * inv_temp);
    }
    if (!backward) return Status::ok;
    ws.dp.resize(k * d), ws.dt.resize(k * d);
    s = sgemm(false, false, k, d, k, 1.0f, ws.ds.data(), k, ws.p.data(), d, 0.0f, ws.dt.data(), d, nullptr);
    if (s == Status::ok) s = sgemm(true, false, k, d, k, 1.0f, ws.ds.data(), k, ws.t.data(), d, 0.0f, ws.dp.data(), d, nullptr);
    if (s != Status::ok) return s;
    return normalise_backward(dplayers, dtargets, ws, k, d);
  });
}

}  // namespace shapca
