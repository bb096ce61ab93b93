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
// not allocate: inverse norms, similarities and their gradients, the normalisation's row
// corrections, permutations.
struct Workspace {
  std::vector<float> inv_x, inv_y, sim, gram, ds, dg, corr_x, corr_y;  // x: the rows of sim, y: its columns
  std::vector<int32_t> perms;
  std::vector<double> block_loss;
};

Workspace& workspace() {
  thread_local Workspace ws;
  return ws;
}

// inv (rows) = 1/||x_r||; a zero or non-finite row fails, naming `what` and the row.
Status inv_norms(float* inv, const float* x, int64_t rows, int64_t d, const char* what) {
  const bool avx = use_avx2();
  Status s = for_rows(rows, d, [&](int64_t r) {
    const float* row = x + r * d;
    if (avx) {
      inv[r] = avx2::l2_inv_norm_row(row, d);
      return;
    }
    double sq = 0.0;
    for (int64_t c = 0; c < d; ++c) sq += static_cast<double>(row[c]) * row[c];
    inv[r] = sq > 0.0 && std::isfinite(sq) ? static_cast<float>(1.0 / std::sqrt(sq)) : 0.0f;
  });
  if (s != Status::ok) return s;
  for (int64_t r = 0; r < rows; ++r) {
    if (!(inv[r] > 0.0f) || !std::isfinite(inv[r])) {
      return fail(Status::invalid_argument,
                  "%s: row %lld has norm 0 (or not finite): the embeddings are compared by direction and must be "
                  "non-zero",
                  what, static_cast<long long>(r));
    }
  }
  return Status::ok;
}

// The normalisation is folded into the products instead of normalising copies: with a = 1/||x||
// of the rows of X (m,d) and b = 1/||y|| of the rows of Y (n,d), the cosine similarities are
// s_ij = a_i·b_j·(x_i·y_j), so s (m,n) is scaled in place after the raw GEMM.
void scale_similarities(float* s, const float* a, const float* b, int64_t m, int64_t n) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) s[i * n + j] *= a[i] * b[j];
  }
}

// Backward of the folded normalisation given ds = ∂/∂s:
//   dx_i = Σ_j e_ij·y_j − a_i²·(Σ_j ds_ij·s_ij)·x_i,   dy_j = Σ_i e_ij·x_i − b_j²·(Σ_i ds_ij·s_ij)·y_j,
// with e_ij = ds_ij·a_i·b_j. Turns ds into e in place and adds the row corrections' factors to
// corr_x (m) and corr_y (n); the GEMMs with e and the corrections (subtract_rows) follow.
void fold_backward(float* ds, const float* s, const float* a, const float* b, int64_t m, int64_t n, float* corr_x,
                   float* corr_y) {
  for (int64_t i = 0; i < m; ++i) {
    double row = 0.0;
    for (int64_t j = 0; j < n; ++j) {
      const float g = ds[i * n + j], gs = g * s[i * n + j];
      row += gs;
      corr_y[j] += gs * b[j] * b[j];
      ds[i * n + j] = g * a[i] * b[j];
    }
    corr_x[i] += static_cast<float>(row) * a[i] * a[i];
  }
}

// dx_r −= corr_r·x_r for every row.
Status subtract_rows(float* dx, const float* corr, const float* x, int64_t rows, int64_t d) {
  const bool avx = use_avx2();
  return for_rows(rows, d, [&](int64_t r) {
    if (avx) {
      avx2::sub_scaled_row(dx + r * d, corr[r], x + r * d, d);
      return;
    }
    for (int64_t c = 0; c < d; ++c) dx[r * d + c] -= corr[r] * x[r * d + c];
  });
}

// Cross-entropy head of the fused Shapley pass for games [j0, j0+nb): game j's row of phi over
// the players, positive i = j. Returns the block's summed loss. The tables are (k,L), one lane
// per game, so the max, exp and sums run across the lanes of a row.
double cross_entropy_block(double* dphi, const double* phi, int64_t j0, int64_t nb, int64_t k, double inv_temp,
                           double dscale) {
  constexpr int64_t L = shapley_detail::kGameBlock;
  // z from the float32 estimate the caller receives, as the forward-only path computes it
  for (int64_t e = 0; e < k * L; ++e) dphi[e] = static_cast<double>(static_cast<float>(phi[e])) * inv_temp;
  double mx[L], sum[L] = {};
  for (int64_t q = 0; q < L; ++q) mx[q] = dphi[q];
  for (int64_t i = 1; i < k; ++i) {
    for (int64_t q = 0; q < L; ++q) mx[q] = dphi[i * L + q] > mx[q] ? dphi[i * L + q] : mx[q];
  }
  double total = 0.0;
  for (int64_t q = 0; q < nb; ++q) total -= dphi[(j0 + q) * L + q] - mx[q];  // −(z_jj − max)
  for (int64_t i = 0; i < k; ++i) {
    for (int64_t q = 0; q < L; ++q) dphi[i * L + q] -= mx[q];
  }
  if (use_avx2()) {
    avx2::exp_nonpositive(dphi, dphi, k * L);
  } else {
    for (int64_t e = 0; e < k * L; ++e) dphi[e] = std::exp(dphi[e]);
  }
  for (int64_t i = 0; i < k; ++i) {
    for (int64_t q = 0; q < L; ++q) sum[q] += dphi[i * L + q];
  }
  for (int64_t q = 0; q < nb; ++q) total += std::log(sum[q]);
  double scale[L];
  for (int64_t q = 0; q < L; ++q) scale[q] = q < nb ? dscale / sum[q] : 0.0;
  for (int64_t i = 0; i < k; ++i) {
    for (int64_t q = 0; q < L; ++q) dphi[i * L + q] *= scale[q];
  }
  for (int64_t q = 0; q < nb; ++q) dphi[(j0 + q) * L + q] -= dscale;
  return total;
}

}  // namespace

namespace {

// Similarities of the normalised rows: ws.sim (k,k) = X̂ Ŷᵀ (and ws.gram = X̂ X̂ᵀ when asked),
// with ws.inv_x / ws.inv_y the inverse norms of X / Y.
Status similarities(Workspace& ws, const float* x, const float* y, int64_t k, int64_t d, const char* x_name,
                    const char* y_name, bool gram) {
  ws.inv_x.resize(k), ws.inv_y.resize(k), ws.sim.resize(k * k), ws.gram.resize(gram ? k * k : 0);
  if (Status s = inv_norms(ws.inv_x.data(), x, k, d, x_name); s != Status::ok) return s;
  if (Status s = inv_norms(ws.inv_y.data(), y, k, d, y_name); s != Status::ok) return s;
  if (Status s = sgemm(false, true, k, k, d, 1.0f, x, d, y, d, 0.0f, ws.sim.data(), k, nullptr); s != Status::ok) return s;
  scale_similarities(ws.sim.data(), ws.inv_x.data(), ws.inv_y.data(), k, k);
  if (!gram) return Status::ok;
  if (Status s = sgemm(false, true, k, k, d, 1.0f, x, d, x, d, 0.0f, ws.gram.data(), k, nullptr); s != Status::ok) return s;
  scale_similarities(ws.gram.data(), ws.inv_x.data(), ws.inv_x.data(), k, k);
  return Status::ok;
}

// dx += back through X̂ of (ws.ds·Ŷ + 2·ws.dg·X̂), dy += back through Ŷ of ws.dsᵀ·X̂ (either may
// be null; = instead of += when not accumulate), for ws.ds = ∂/∂sim and ws.dg = ∂/∂gram
// (symmetric; empty when there is no Gram term).
Status similarities_backward(Workspace& ws, float* dx, float* dy, const float* x, const float* y, int64_t k,
                             int64_t d, bool accumulate) {
  const float beta = accumulate ? 1.0f : 0.0f;
  const bool gram = !ws.dg.empty();
  ws.corr_x.assign(k, 0.0f), ws.corr_y.assign(k, 0.0f);
  fold_backward(ws.ds.data(), ws.sim.data(), ws.inv_x.data(), ws.inv_y.data(), k, k, ws.corr_x.data(),
                ws.corr_y.data());
  // dg symmetric: its row and column corrections together are the 2· of 2·dG·X̂
  if (gram) fold_backward(ws.dg.data(), ws.gram.data(), ws.inv_x.data(), ws.inv_x.data(), k, k, ws.corr_x.data(), ws.corr_x.data());
  if (dx) {
    Status s = sgemm(false, false, k, d, k, 1.0f, ws.ds.data(), k, y, d, beta, dx, d, nullptr);
    if (s == Status::ok && gram) s = sgemm(false, false, k, d, k, 2.0f, ws.dg.data(), k, x, d, 1.0f, dx, d, nullptr);
    if (s == Status::ok) s = subtract_rows(dx, ws.corr_x.data(), x, k, d);
    if (s != Status::ok) return s;
  }
  if (!dy) return Status::ok;
  if (Status s = sgemm(true, false, k, d, k, 1.0f, ws.ds.data(), k, x, d, beta, dy, d, nullptr); s != Status::ok) return s;
  return subtract_rows(dy, ws.corr_y.data(), y, k, d);
}

}  // namespace

Status shapca_loss(double* loss, float* phi_out, float* dplayers, float* dtargets, const float* players,
                   const float* targets, int64_t k, int64_t d, const ShapleyConfig& cfg, float temperature,
                   float dloss, bool accumulate) {
  const char* what = "shapca_loss";
  if (Status s = check_loss_pair(what, loss, players, targets, k, d, temperature); s != Status::ok) return s;
  return guarded(what, [&]() -> Status {
    Workspace& ws = workspace();
    const bool cosine = cfg.utility == ShapleyUtility::cosine_sum;
    if (Status s = similarities(ws, players, targets, k, d, "players", "targets", cosine); s != Status::ok) return s;
    const int64_t m = cfg.permutations;
    ws.perms.resize(static_cast<size_t>(std::max<int64_t>(m, 0) * k));
    if (Status s = shapley_permutations(ws.perms.data(), k, m, cfg.antithetic, cfg.seed); s != Status::ok) return s;
    const double inv_temp = 1.0 / temperature;
    if (dplayers == nullptr && dtargets == nullptr) {  // forward only
      std::vector<float> phi(k * k);
      Status s = shapley_permutation_forward(phi.data(), nullptr, ws.sim.data(), ws.gram.data(), ws.perms.data(), k, k,
                                             m, cfg.antithetic, cfg.utility, cfg.tau_u);
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
    Status s = shapley_permutation_fused(phi_out, ws.ds.data(), ws.dg.data(), ws.sim.data(), ws.gram.data(),
                                         ws.perms.data(), k, k, m, cfg.antithetic, cfg.utility, cfg.tau_u,
                                         [&](int64_t j0, int64_t nb, const double* phi, double* dphi) {
                                           ws.block_loss[j0 / shapley_detail::kGameBlock] =
                                               cross_entropy_block(dphi, phi, j0, nb, k, inv_temp, dscale);
                                         });
    if (s != Status::ok) return s;
    double total = 0.0;
    for (double b : ws.block_loss) total += b;
    *loss = total / static_cast<double>(k);
    return similarities_backward(ws, dplayers, dtargets, players, targets, k, d, accumulate);
  });
}

Status infonce_loss(double* loss, float* logits, float* dplayers, float* dtargets, const float* players,
                    const float* targets, int64_t k, int64_t d, float temperature, float dloss, bool accumulate) {
  const char* what = "infonce_loss";
  if (Status s = check_loss_pair(what, loss, players, targets, k, d, temperature); s != Status::ok) return s;
  return guarded(what, [&]() -> Status {
    Workspace& ws = workspace();
    // sim (k,k): row j = target j against every player, sim[j*k+i] = s_ij; ds its gradient
    if (Status s = similarities(ws, targets, players, k, d, "targets", "players", false); s != Status::ok) return s;
    const bool backward = dplayers != nullptr || dtargets != nullptr;
    const double inv_temp = 1.0 / temperature;
    ws.ds.resize(k * k), ws.dg.clear();
    *loss = diagonal_cross_entropy(backward ? ws.ds.data() : nullptr, ws.sim.data(), k, inv_temp, dloss);
    if (logits) {
      for (int64_t e = 0; e < k * k; ++e) logits[e] = static_cast<float>(ws.sim[e] * inv_temp);
    }
    if (!backward) return Status::ok;
    return similarities_backward(ws, dtargets, dplayers, targets, players, k, d, accumulate);
  });
}

}  // namespace shapca
