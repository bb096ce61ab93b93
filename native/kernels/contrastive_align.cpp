// L_align over the four directions of a batch (math in contrastive.h).
#include <cmath>
#include <vector>

#include "contrastive.h"
#include "loss_checks.h"
#include "shapley_internal.h"

namespace shapca {

namespace {

Status direction(double* loss, float* dplayers, float* dtargets, const float* players, const float* targets,
                 int64_t k, int64_t d, const AlignConfig& cfg, float weight) {
  if (cfg.objective == AlignObjective::infonce) {
    return infonce_loss(loss, nullptr, dplayers, dtargets, players, targets, k, d, cfg.temperature, weight);
  }
  return shapca_loss(loss, nullptr, dplayers, dtargets, players, targets, k, d, cfg.shapley, cfg.temperature, weight);
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
  return shapley_detail::guarded(what, [&]() -> Status {
    for (int i = 0; i < 4; ++i) terms[i] = 0.0;
    const float wct = 0.5f * cfg.lambda_ct, wci = 0.5f * cfg.lambda_ci;
    if (Status s = direction(&terms[0], dcontext, dtext, context, text, k, d, cfg, wct); s != Status::ok) return s;
    if (Status s = direction(&terms[1], dtext, dcontext, text, context, k, d, cfg, wct); s != Status::ok) return s;

    // Image terms over the samples that have an image, gathered into a compact batch.
    std::vector<int64_t> rows;
    for (int64_t i = 0; image != nullptr && i < k; ++i) {
      if (image_mask == nullptr || image_mask[i] != 0) rows.push_back(i);
    }
    const int64_t kk = static_cast<int64_t>(rows.size());
    if (kk >= 2) {
      std::vector<float> ctx(kk * d), img(kk * d), dctx(kk * d, 0.0f), dimg(kk * d, 0.0f);
      for (int64_t r = 0; r < kk; ++r) {
        std::copy(context + rows[r] * d, context + rows[r] * d + d, ctx.begin() + r * d);
        std::copy(image + rows[r] * d, image + rows[r] * d + d, img.begin() + r * d);
      }
      const bool grads = dcontext != nullptr || dimage != nullptr;
      float* gc = grads ? dctx.data() : nullptr;
      float* gi = grads ? dimg.data() : nullptr;
      if (Status s = direction(&terms[2], gc, gi, ctx.data(), img.data(), kk, d, cfg, wci); s != Status::ok) return s;
      if (Status s = direction(&terms[3], gi, gc, img.data(), ctx.data(), kk, d, cfg, wci); s != Status::ok) return s;
      for (int64_t r = 0; r < kk && grads; ++r) {
        for (int64_t c = 0; c < d; ++c) {
          if (dcontext) dcontext[rows[r] * d + c] += dctx[r * d + c];
          if (dimage) dimage[rows[r] * d + c] += dimg[r * d + c];
        }
      }
    }
    *loss = wct * (terms[0] + terms[1]) + wci * (terms[2] + terms[3]);
    return Status::ok;
  });
}

}  // namespace shapca
