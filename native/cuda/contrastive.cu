// Shap-CA and InfoNCE of one direction on the GPU (math in kernels/contrastive.h).
#include <cmath>

#include "contrastive.h"
#include "kernels/loss_checks.h"
#include "gemm.h"
#include "launch.cuh"
#include "shapley.h"
#include "shapley_internal.h"

namespace shapca::cuda {

using shapley_detail::Scan;

namespace {

constexpr int kWarps = kBlock / 32;

__global__ void l2_normalize_kernel(float* out, float* inv_norm, const float* inp, int64_t rows, int64_t d,
                                    unsigned long long* bad) {
  const int lane = threadIdx.x & 31;
  for (int64_t r = blockIdx.x * static_cast<int64_t>(kWarps) + (threadIdx.x >> 5); r < rows;
       r += static_cast<int64_t>(gridDim.x) * kWarps) {
    const float* x = inp + r * d;
    double sq = 0.0;
    for (int64_t c = lane; c < d; c += 32) sq += static_cast<double>(x[c]) * x[c];
    sq = warp_sum(sq);
    const double inv = sq > 0.0 && isfinite(sq) ? 1.0 / sqrt(sq) : 0.0;
    for (int64_t c = lane; c < d; c += 32) out[r * d + c] = static_cast<float>(x[c] * inv);
    if (lane == 0) {
      inv_norm[r] = static_cast<float>(inv);
      if (!(static_cast<float>(inv) > 0.0f) || !isfinite(static_cast<float>(inv))) flag_index(bad, r);
    }
  }
}

__global__ void l2_normalize_backward_kernel(float* dinp, const float* dout, const float* out, const float* inv_norm,
                                             int64_t rows, int64_t d) {
  const int lane = threadIdx.x & 31;
  for (int64_t r = blockIdx.x * static_cast<int64_t>(kWarps) + (threadIdx.x >> 5); r < rows;
       r += static_cast<int64_t>(gridDim.x) * kWarps) {
    const float *y = out + r * d, *dy = dout + r * d;
    double dot = 0.0;
    for (int64_t c = lane; c < d; c += 32) dot += static_cast<double>(y[c]) * dy[c];
    const float fdot = static_cast<float>(warp_sum(dot)), inv = inv_norm[r];
    for (int64_t c = lane; c < d; c += 32) dinp[r * d + c] += (dy[c] - y[c] * fdot) * inv;
  }
}

// Shap-CA head, one warp per game j: cross-entropy of softmax_i(float(phi_ij)/tau) with positive
// i = j into loss[j]; with grad, dx[i,j] = dscale·(softmax − [i = j])/M (the scan's input).
__global__ void shapley_head_kernel(Scan sc, double inv_temp, double dscale, bool grad) {
  const int lane = threadIdx.x & 31;
  const int64_t k = sc.k, n = sc.n;
  const double inv_m = 1.0 / static_cast<double>(sc.m);
  for (int64_t j = blockIdx.x * static_cast<int64_t>(kWarps) + (threadIdx.x >> 5); j < n;
       j += static_cast<int64_t>(gridDim.x) * kWarps) {
    const double* row = sc.phi + j * k;
    double mx = -INFINITY;
    for (int64_t i = lane; i < k; i += 32) mx = fmax(mx, static_cast<float>(row[i]) * inv_temp);
    for (int o = 16; o > 0; o >>= 1) mx = fmax(mx, __shfl_xor_sync(0xffffffffu, mx, o));
    double sum = 0.0;
    for (int64_t i = lane; i < k; i += 32) sum += exp(static_cast<float>(row[i]) * inv_temp - mx);
    sum = warp_sum(sum);
    if (lane == 0) sc.loss[j] = mx + log(sum) - static_cast<float>(row[j]) * inv_temp;
    if (!grad) continue;
    const double inv_sum = 1.0 / sum;
    for (int64_t i = lane; i < k; i += 32) {
      const double p = exp(static_cast<float>(row[i]) * inv_temp - mx) * inv_sum;
      sc.dx[i * n + j] = dscale * (p - (i == j ? 1.0 : 0.0)) * inv_m;
    }
  }
}

// InfoNCE head, one warp per row j of x (k,k): loss[j] = lse_i(x_ji/tau) − x_jj/tau; with dx,
// dx[j,i] = dloss·(softmax − [i = j])/(tau·k); logits (or null) = x/tau.
__global__ void infonce_head_kernel(double* loss, float* dx, float* logits, const float* x, int64_t k, double inv_temp,
                                    double dloss) {
  const int lane = threadIdx.x & 31;
  for (int64_t j = blockIdx.x * static_cast<int64_t>(kWarps) + (threadIdx.x >> 5); j < k;
       j += static_cast<int64_t>(gridDim.x) * kWarps) {
    const float* row = x + j * k;
    double mx = -INFINITY;
    for (int64_t i = lane; i < k; i += 32) mx = fmax(mx, row[i] * inv_temp);
    for (int o = 16; o > 0; o >>= 1) mx = fmax(mx, __shfl_xor_sync(0xffffffffu, mx, o));
    double sum = 0.0;
    for (int64_t i = lane; i < k; i += 32) sum += exp(row[i] * inv_temp - mx);
    const double lse = mx + log(warp_sum(sum));
    if (lane == 0) loss[j] = lse - row[j] * inv_temp;
    for (int64_t i = lane; i < k; i += 32) {
      if (dx) dx[j * k + i] = static_cast<float>(dloss * (exp(row[i] * inv_temp - lse) - (i == j ? 1.0 : 0.0)) * inv_temp / k);
      if (logits) logits[j * k + i] = static_cast<float>(row[i] * inv_temp);
    }
  }
}

// total[0] = Σ_j loss[j] in order (a single thread: n is a batch size).
__global__ void sum_in_order_kernel(double* total, const double* loss, int64_t n) {
  double acc = 0.0;
  for (int64_t j = 0; j < n; ++j) acc += loss[j];
  *total = acc;
}


Status launch_normalize(float* out, float* inv_norm, const float* inp, int64_t rows, int64_t d,
                        unsigned long long* counter, const char* what) {
  launch(l2_normalize_kernel, grid_for(rows, kWarps), kBlock, out, inv_norm, inp, rows, d, counter);
  return check_launch(what);
}

Status normalize_failure(const char* what, unsigned long long row) {
  return fail(Status::invalid_argument,
              "%s: row %llu has norm 0 (or not finite): the embeddings are compared by direction and must be "
              "non-zero",
              what, row);
}

// The normalised pair and the gradient buffers of one loss call (Slot::loss).
struct Pair {
  float *p, *t, *inv_p, *inv_t, *sim, *gram, *ds, *dg, *dp, *dt;
  int32_t* perms;
  double* rows;  // per-row losses (k)
};

Status pair_workspace(Pair& w, const char* what, int64_t k, int64_t d, int64_t m) {
  Carve c;
  const size_t kd = static_cast<size_t>(k * d), kk = static_cast<size_t>(k * k);
  const size_t op = c.add<float>(kd), ot = c.add<float>(kd), oip = c.add<float>(k), oit = c.add<float>(k);
  const size_t os = c.add<float>(kk), og = c.add<float>(kk), ods = c.add<float>(kk), odg = c.add<float>(kk);
  const size_t odp = c.add<float>(kd), odt = c.add<float>(kd), operm = c.add<int32_t>(static_cast<size_t>(m * k));
  const size_t orows = c.add<double>(static_cast<size_t>(k));
  void* base = nullptr;
  if (Status s = workspace(&base, c.bytes, Slot::loss, what); s != Status::ok) return s;
  w = Pair{Carve::at<float>(base, op),   Carve::at<float>(base, ot),   Carve::at<float>(base, oip),
           Carve::at<float>(base, oit),  Carve::at<float>(base, os),   Carve::at<float>(base, og),
           Carve::at<float>(base, ods),  Carve::at<float>(base, odg),  Carve::at<float>(base, odp),
           Carve::at<float>(base, odt),  Carve::at<int32_t>(base, operm), Carve::at<double>(base, orows)};
  return Status::ok;
}

Status normalise_pair(const Pair& w, const Checks& checks, const float* players, const float* targets, int64_t k,
                      int64_t d) {
  if (Status s = launch_normalize(w.p, w.inv_p, players, k, d, checks.device, "players"); s != Status::ok) return s;
  return launch_normalize(w.t, w.inv_t, targets, k, d, checks.device + 1, "targets");
}

Status normalise_backward(float* dplayers, float* dtargets, const Pair& w, int64_t k, int64_t d) {
  if (dplayers) {
    if (Status s = l2_normalize_backward(dplayers, w.dp, w.p, w.inv_p, k, d); s != Status::ok) return s;
  }
  if (dtargets) return l2_normalize_backward(dtargets, w.dt, w.t, w.inv_t, k, d);
  return Status::ok;
}

// The forward's single wait: the normalisation counters (0: players, 1: targets), the game
// counters (2..5, Shap-CA) and the summed loss come back in one copy; the first problem found
// fails with the CPU's message.
Status finish_forward(double* loss, const Checks& checks, const double* per_row, int64_t k, const char* what,
                      const float* sim, const float* gram, const ShapleyConfig* games) {
  launch(sum_in_order_kernel, 1, 1, checks.values, per_row, k);
  if (Status s = check_launch(what); s != Status::ok) return s;
  unsigned long long bad[kCheckCount];
  double values[kCheckValues];
  if (Status s = checks_read(checks, bad, what, values); s != Status::ok) return s;
  for (int side = 0; side < 2; ++side) {
    if (bad[side] != kCheckNone) return normalize_failure(side == 0 ? "players" : "targets", bad[side]);
  }
  if (games) {
    if (Status s = shapley_detail::report_games(what, bad + 2, sim, gram, k, k, games->tau_u); s != Status::ok) return s;
  }
  *loss = values[0] / static_cast<double>(k);
  return Status::ok;
}

}  // namespace

Status l2_normalize_forward(float* out, float* inv_norm, const float* inp, int64_t rows, int64_t d, const char* what) {
  if (rows < 0 || d < 0) return fail(Status::invalid_argument, "l2_normalize_forward: expected non-negative sizes");
  if (rows == 0 || d == 0) return Status::ok;
  if (out == nullptr || inv_norm == nullptr || inp == nullptr) {
    return fail(Status::invalid_argument, "l2_normalize_forward: a required buffer is null");
  }
  Checks checks;
  if (Status s = checks_reset(&checks, what); s != Status::ok) return s;
  if (Status s = launch_normalize(out, inv_norm, inp, rows, d, checks.device, what); s != Status::ok) return s;
  unsigned long long bad[kCheckCount];
  if (Status s = checks_read(checks, bad, what); s != Status::ok) return s;
  return bad[0] == kCheckNone ? Status::ok : normalize_failure(what, bad[0]);
}

Status l2_normalize_backward(float* dinp, const float* dout, const float* out, const float* inv_norm, int64_t rows,
                             int64_t d) {
  if (rows < 0 || d < 0) return fail(Status::invalid_argument, "l2_normalize_backward: expected non-negative sizes");
  if (rows == 0 || d == 0) return Status::ok;
  if (dinp == nullptr || dout == nullptr || out == nullptr || inv_norm == nullptr) {
    return fail(Status::invalid_argument, "l2_normalize_backward: a required buffer is null");
  }
  launch(l2_normalize_backward_kernel, grid_for(rows, kWarps), kBlock, dinp, dout, out, inv_norm, rows, d);
  return check_launch("l2_normalize_backward");
}

Status shapca_loss(double* loss, float* phi_out, float* dplayers, float* dtargets, const float* players,
                   const float* targets, int64_t k, int64_t d, const ShapleyConfig& cfg, float temperature,
                   float dloss) {
  const char* what = "shapca_loss";
  if (Status s = check_loss_pair(what, loss, players, targets, k, d, temperature); s != Status::ok) return s;
  const int64_t m = cfg.permutations;
  const bool cosine = cfg.utility == ShapleyUtility::cosine_sum, grad = dplayers != nullptr || dtargets != nullptr;
  if (m < 1) return fail(Status::invalid_argument, "%s: expected at least 1 permutation but received %lld", what,
                         static_cast<long long>(m));
  Pair w;
  if (Status s = pair_workspace(w, what, k, d, m); s != Status::ok) return s;
  // The whole forward is queued before the one wait (finish_forward): bad inputs make garbage
  // numbers on the way but never bad indices, and fail there before any gradient is written.
  Checks checks;
  if (Status s = checks_reset(&checks, what); s != Status::ok) return s;
  if (Status s = normalise_pair(w, checks, players, targets, k, d); s != Status::ok) return s;
  Status s = sgemm(false, true, k, k, d, 1.0f, w.p, d, w.t, d, 0.0f, w.sim, k, nullptr);
  if (s == Status::ok && cosine) s = sgemm(false, true, k, k, d, 1.0f, w.p, d, w.p, d, 0.0f, w.gram, k, nullptr);
  if (s == Status::ok) s = shapley_permutations(w.perms, k, m, cfg.antithetic, cfg.seed);
  if (s == Status::ok) {
    s = shapley_detail::launch_check_games(what, checks.device + 2, w.sim, w.gram, k, k, cfg.utility, cfg.tau_u);
  }
  if (s != Status::ok) return s;

  Carve carve;
  const shapley_detail::ScanLayout layout = shapley_detail::scan_layout(carve, k, k, m, grad);
  void* base = nullptr;
  if (Status st = workspace(&base, carve.bytes, Slot::shapley, what); st != Status::ok) return st;
  Scan sc = shapley_detail::scan_at(base, layout, k, k, m, grad);
  sc.s = w.sim, sc.g = w.gram, sc.perms = w.perms;
  s = shapley_detail::scan_prepare(sc, cfg.utility, cfg.tau_u);
  if (s == Status::ok) s = shapley_detail::scan_forward(sc);
  if (s == Status::ok) s = shapley_detail::scan_estimate(sc, phi_out, nullptr, cfg.antithetic);
  if (s != Status::ok) return s;
  const double inv_temp = 1.0 / temperature, dscale = dloss * inv_temp / static_cast<double>(k);
  launch(shapley_head_kernel, grid_for(k, kWarps), kBlock, sc, inv_temp, dscale, grad);
  if (Status st = check_launch(what); st != Status::ok) return st;
  if (Status st = finish_forward(loss, checks, sc.loss, k, what, w.sim, w.gram, &cfg); st != Status::ok || !grad) return st;

  // back through the scan to dS (and dG), then dP̂ = dS·T̂ (+ 2·dG·P̂), dT̂ = dSᵀ·P̂
  s = check(cudaMemsetAsync(w.ds, 0, k * k * sizeof(float)), what);
  if (s == Status::ok && cosine) s = check(cudaMemsetAsync(w.dg, 0, k * k * sizeof(float)), what);
  if (s == Status::ok) s = shapley_detail::scan_backward(sc, w.ds, w.dg);
  if (s == Status::ok) s = sgemm(false, false, k, d, k, 1.0f, w.ds, k, w.t, d, 0.0f, w.dp, d, nullptr);
  if (s == Status::ok && cosine) s = sgemm(false, false, k, d, k, 2.0f, w.dg, k, w.p, d, 1.0f, w.dp, d, nullptr);
  if (s == Status::ok) s = sgemm(true, false, k, d, k, 1.0f, w.ds, k, w.p, d, 0.0f, w.dt, d, nullptr);
  if (s != Status::ok) return s;
  return normalise_backward(dplayers, dtargets, w, k, d);
}

Status infonce_loss(double* loss, float* logits, float* dplayers, float* dtargets, const float* players,
                    const float* targets, int64_t k, int64_t d, float temperature, float dloss) {
  const char* what = "infonce_loss";
  if (Status s = check_loss_pair(what, loss, players, targets, k, d, temperature); s != Status::ok) return s;
  Pair w;
  if (Status s = pair_workspace(w, what, k, d, 1); s != Status::ok) return s;
  Checks checks;
  if (Status s = checks_reset(&checks, what); s != Status::ok) return s;
  if (Status s = normalise_pair(w, checks, players, targets, k, d); s != Status::ok) return s;
  // sim (k,k): row j = target j against every player
  if (Status s = sgemm(false, true, k, k, d, 1.0f, w.t, d, w.p, d, 0.0f, w.sim, k, nullptr); s != Status::ok) return s;
  const bool grad = dplayers != nullptr || dtargets != nullptr;
  launch(infonce_head_kernel, grid_for(k, kWarps), kBlock, w.rows, grad ? w.ds : nullptr, logits,
         static_cast<const float*>(w.sim), k, 1.0 / temperature, static_cast<double>(dloss));
  if (Status s = check_launch(what); s != Status::ok) return s;
  if (Status s = finish_forward(loss, checks, w.rows, k, what, nullptr, nullptr, nullptr); s != Status::ok || !grad) return s;
  Status s = sgemm(false, false, k, d, k, 1.0f, w.ds, k, w.p, d, 0.0f, w.dt, d, nullptr);
  if (s == Status::ok) s = sgemm(true, false, k, d, k, 1.0f, w.ds, k, w.t, d, 0.0f, w.dp, d, nullptr);
  if (s != Status::ok) return s;
  return normalise_backward(dplayers, dtargets, w, k, d);
}

}  // namespace shapca::cuda
