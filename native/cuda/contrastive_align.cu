// L_align over the four directions of a batch, and shapley_values (math in kernels/contrastive.h
// and kernels/shapley.h): compositions of the GPU entry points, with the image rows of the
// samples that have one gathered into a compact batch on the device.
#include <cmath>
#include <vector>

#include "contrastive.h"
#include "kernels/loss_checks.h"
#include "gemm.h"
#include "launch.cuh"
#include "shapley.h"
#include "workspace.h"

namespace shapca::cuda {

namespace {

__global__ void gather_rows_kernel(float* out, const float* inp, const int32_t* rows, int64_t n, int64_t d) {
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < n * d;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    out[e] = inp[static_cast<int64_t>(rows[e / d]) * d + e % d];
  }
}

__global__ void scatter_add_rows_kernel(float* out, const float* inp, const int32_t* rows, int64_t n, int64_t d) {
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < n * d;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    out[static_cast<int64_t>(rows[e / d]) * d + e % d] += inp[e];
  }
}

Status direction(double* loss, float* dplayers, float* dtargets, const float* players, const float* targets, int64_t k,
                 int64_t d, const AlignConfig& cfg, float weight) {
  if (cfg.objective == AlignObjective::infonce) {
    return infonce_loss(loss, nullptr, dplayers, dtargets, players, targets, k, d, cfg.temperature, weight);
  }
  return cuda::shapca_loss(loss, nullptr, dplayers, dtargets, players, targets, k, d, cfg.shapley, cfg.temperature, weight);
}

}  // namespace

Status align_loss(double* loss, double* terms, float* dtext, float* dcontext, float* dimage, const float* text,
                  const float* context, const float* image, const uint8_t* image_mask, int64_t k, int64_t d,
                  const AlignConfig& cfg) {
  const char* what = "align_loss";
  if (Status s = check_align_args(what, loss, terms, text, context, k, d, cfg.lambda_ct, cfg.lambda_ci);
      s != Status::ok) {
    return s;
  }
  for (int i = 0; i < 4; ++i) terms[i] = 0.0;
  const float wct = 0.5f * cfg.lambda_ct, wci = 0.5f * cfg.lambda_ci;
  if (Status s = direction(&terms[0], dcontext, dtext, context, text, k, d, cfg, wct); s != Status::ok) return s;
  if (Status s = direction(&terms[1], dtext, dcontext, text, context, k, d, cfg, wct); s != Status::ok) return s;

  std::vector<int32_t> rows;
  if (image != nullptr) {
    std::vector<uint8_t> mask(static_cast<size_t>(k), 1);
    if (image_mask != nullptr) {
      if (Status s = check(cudaMemcpy(mask.data(), image_mask, k, cudaMemcpyDeviceToHost), what); s != Status::ok) return s;
    }
    for (int64_t i = 0; i < k; ++i) {
      if (mask[i] != 0) rows.push_back(static_cast<int32_t>(i));
    }
  }
  const int64_t kk = static_cast<int64_t>(rows.size());
  if (kk >= 2) {
    Carve c;
    const size_t orows = c.add<int32_t>(kk), octx = c.add<float>(kk * d), oimg = c.add<float>(kk * d);
    const size_t odctx = c.add<float>(kk * d), odimg = c.add<float>(kk * d);
    void* base = nullptr;
    if (Status s = workspace(&base, c.bytes, Slot::align, what); s != Status::ok) return s;
    int32_t* drows = Carve::at<int32_t>(base, orows);
    float *ctx = Carve::at<float>(base, octx), *img = Carve::at<float>(base, oimg);
    float *dctx = Carve::at<float>(base, odctx), *dimg = Carve::at<float>(base, odimg);
    Status s = check(cudaMemcpy(drows, rows.data(), kk * sizeof(int32_t), cudaMemcpyHostToDevice), what);
    if (s != Status::ok) return s;
    launch(gather_rows_kernel, grid_for(kk * d), kBlock, ctx, context, static_cast<const int32_t*>(drows), kk, d);
    launch(gather_rows_kernel, grid_for(kk * d), kBlock, img, image, static_cast<const int32_t*>(drows), kk, d);
    if ((s = check_launch(what)) != Status::ok) return s;
    const bool grads = dcontext != nullptr || dimage != nullptr;
    if (grads) {
      s = check(cudaMemsetAsync(dctx, 0, kk * d * sizeof(float)), what);
      if (s == Status::ok) s = check(cudaMemsetAsync(dimg, 0, kk * d * sizeof(float)), what);
      if (s != Status::ok) return s;
    }
    float* gc = grads ? dctx : nullptr;
    float* gi = grads ? dimg : nullptr;
    if ((s = direction(&terms[2], gc, gi, ctx, img, kk, d, cfg, wci)) != Status::ok) return s;
    if ((s = direction(&terms[3], gi, gc, img, ctx, kk, d, cfg, wci)) != Status::ok) return s;
    if (dcontext) launch(scatter_add_rows_kernel, grid_for(kk * d), kBlock, dcontext, static_cast<const float*>(dctx),
                         static_cast<const int32_t*>(drows), kk, d);
    if (dimage) launch(scatter_add_rows_kernel, grid_for(kk * d), kBlock, dimage, static_cast<const float*>(dimg),
                       static_cast<const int32_t*>(drows), kk, d);
    if ((s = check_launch(what)) != Status::ok) return s;
  }
  *loss = wct * (terms[0] + terms[1]) + wci * (terms[2] + terms[3]);
  return Status::ok;
}

Status shapley_values(float* phi, float* stderr, const float* players, const float* targets, int64_t k, int64_t n,
                      int64_t d, ShapleyMethod method, const ShapleyConfig& cfg, int64_t max_exact, bool normalize) {
  const char* what = "shapley_values";
  if (Status s = check_shapley_values_args(what, phi, players, targets, k, n, d, method, max_exact); s != Status::ok) {
    return s;
  }
  const bool cosine = cfg.utility == ShapleyUtility::cosine_sum;
  const int64_t m = method == ShapleyMethod::permutation ? cfg.permutations : 0;
  if (method == ShapleyMethod::permutation && m < 1) {
    return fail(Status::invalid_argument, "%s: expected at least 1 permutation but received %lld", what, static_cast<long long>(m));
  }
  Carve c;
  const size_t op = c.add<float>(k * d), ot = c.add<float>(n * d), oip = c.add<float>(k), oit = c.add<float>(n);
  const size_t os = c.add<float>(k * n), og = c.add<float>(cosine ? k * k : 0), operm = c.add<int32_t>(m * k);
  void* base = nullptr;
  if (Status s = workspace(&base, c.bytes, Slot::align, what); s != Status::ok) return s;
  const float *p = players, *t = targets;
  float* sim = Carve::at<float>(base, os);
  float* gram = cosine ? Carve::at<float>(base, og) : nullptr;
  if (normalize) {
    float *pn = Carve::at<float>(base, op), *tn = Carve::at<float>(base, ot);
    if (Status s = l2_normalize_forward(pn, Carve::at<float>(base, oip), players, k, d, "players"); s != Status::ok) return s;
    if (Status s = l2_normalize_forward(tn, Carve::at<float>(base, oit), targets, n, d, "targets"); s != Status::ok) return s;
    p = pn, t = tn;
  }
  Status s = sgemm(false, true, k, n, d, 1.0f, p, d, t, d, 0.0f, sim, n, nullptr);
  if (s == Status::ok && cosine) s = sgemm(false, true, k, k, d, 1.0f, p, d, p, d, 0.0f, gram, k, nullptr);
  if (s != Status::ok) return s;
  if (method == ShapleyMethod::exact) return cuda::shapley_exact_forward(phi, sim, gram, k, n, cfg.utility, cfg.tau_u);
  int32_t* perms = Carve::at<int32_t>(base, operm);
  if ((s = shapley_permutations(perms, k, m, cfg.antithetic, cfg.seed)) != Status::ok) return s;
  return cuda::shapley_permutation_forward(phi, stderr, sim, gram, perms, k, n, m, cfg.antithetic, cfg.utility, cfg.tau_u);
}

}  // namespace shapca::cuda
