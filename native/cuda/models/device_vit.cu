// ViT and the CLIP vision tower on the device: models/vit.cpp's forward and backward with host
// pixels and outputs at the boundary and everything in between on the GPU.
#include "cuda/layernorm.h"
#include "cuda/patch_embed.h"
#include "device_embeddings.h"
#include "device_model_internal.h"
#include "device_ops.h"
#include "device_pooler.h"
#include "device_stack.h"

namespace shapca::cuda {

namespace {

void plan(DeviceModel& m, int64_t b, bool for_backward) {
  const VitConfig& cfg = m.vit.cfg;
  const bool clip = cfg.kind == VitKind::clip;
  const int64_t c = cfg.hidden, t = m.vit.t, np = m.vit.np, bt = b * t, g = for_backward ? 1 : 0;
  const int64_t k = cfg.channels * cfg.patch * cfg.patch, pix = b * cfg.channels * cfg.image_size * cfg.image_size;
  VitActs& a = m.va;
  DeviceArena& ar = m.arena;
  ar.begin();
  ar.plan(&a.pixels, pix);
  ar.plan(&a.dpixels, g * pix);
  ar.plan(&a.patches, b * np * k);
  ar.plan(&a.pe, b * np * c);
  ar.plan(&a.emb, bt * c);
  ar.plan(&a.x0, clip ? bt * c : 0);
  ar.plan(&a.pre_mean, clip ? bt : 0);
  ar.plan(&a.pre_rstd, clip ? bt : 0);
  ar.plan(&a.last, clip ? 0 : bt * c);
  ar.plan(&a.fin_mean, clip ? b : bt);
  ar.plan(&a.fin_rstd, clip ? b : bt);
  ar.plan(&a.cls_rows, b * c);
  ar.plan(&a.pooled, b * c);
  ar.plan(&a.dpre, g * b * c);
  ar.plan(&a.dpooled, g * b * c);
  ar.plan(&a.dy, g * bt * c);
  ar.plan(&a.dxl, g * bt * c);
  ar.plan(&a.dx0, g * bt * c);
  ar.plan(&a.dpe, g * b * np * c);
  stack_plan(ar, m.stack, b, t, for_backward);
}

}  // namespace

Status vit_forward(DeviceModel& m, float* last_hidden, float* pooled, const float* pixels, int64_t b, bool for_backward) {
  SHAPCA_TRY(expect_kind(m, ModelKind::vit, "vit_forward"));
  const VitModel& vm = m.vit;
  const VitConfig& cfg = vm.cfg;
  const bool clip = cfg.kind == VitKind::clip;
  const int64_t c = cfg.hidden, t = vm.t, np = vm.np, bt = b * t, s = cfg.image_size;
  m.saved = false;
  if (last_hidden == nullptr || pixels == nullptr) {
    return fail(Status::invalid_argument, "vit_forward: pixels and the output must not be null");
  }
  if (b <= 0) return fail(Status::out_of_range, "vit_forward: expected batch >= 1 but received %lld", static_cast<long long>(b));
  if (pooled != nullptr && !clip && !cfg.pooler) return fail(Status::invalid_argument, "vit_forward: this model has no pooler");
  if (for_backward && m.grads.size() == 0) {
    return fail(Status::invalid_argument, "vit_forward: for_backward needs gradients (call enable_grads first)");
  }
  plan(m, b, for_backward);
  SHAPCA_TRY(m.arena.commit("vit_forward"));
  m.b = b;
  m.t = t;
  VitActs& a = m.va;
  SHAPCA_TRY(upload(a.pixels, pixels, b * cfg.channels * s * s, "vit_forward: pixels"));

  const float* p = m.params.data();
  SHAPCA_TRY(patch_embed_forward(a.pe, a.patches, a.pixels, p + vm.patch_w, clip ? nullptr : p + vm.patch_b, b,
                                 cfg.channels, s, s, cfg.patch, c));
  SHAPCA_TRY(vit_embeddings_forward(a.emb, p + vm.cls, a.pe, p + vm.pos, b, np, c));
  const float* x0 = a.emb;
  if (clip) {
    SHAPCA_TRY(layernorm_forward(a.x0, a.pre_mean, a.pre_rstd, a.emb, p + vm.pre_w, p + vm.pre_b, bt, c, cfg.eps));
    x0 = a.x0;
  }
  SHAPCA_TRY(device_stack_forward(m.stack, &a.xl, x0, nullptr, p));
  const float* last = a.xl;
  if (clip) {
    SHAPCA_TRY(rows_copy(a.cls_rows, c, a.xl, t * c, b, c));
    SHAPCA_TRY(layernorm_forward(a.pooled, a.fin_mean, a.fin_rstd, a.cls_rows, p + vm.fin_w, p + vm.fin_b, b, c, cfg.eps));
  } else {
    SHAPCA_TRY(layernorm_forward(a.last, a.fin_mean, a.fin_rstd, a.xl, p + vm.fin_w, p + vm.fin_b, bt, c, cfg.eps));
    last = a.last;
    if (cfg.pooler) SHAPCA_TRY(tanh_pooler_forward(a.pooled, a.last, p + vm.pool_w, p + vm.pool_b, b, t, c));
  }
  SHAPCA_TRY(download(last_hidden, last, bt * c, "vit_forward: last_hidden"));
  if (pooled) SHAPCA_TRY(download(pooled, a.pooled, b * c, "vit_forward: pooled"));
  m.saved = for_backward;
  return Status::ok;
}

Status vit_backward(DeviceModel& m, float* dpixels, const float* dlast, const float* dpooled) {
  SHAPCA_TRY(expect_kind(m, ModelKind::vit, "vit_backward"));
  const VitModel& vm = m.vit;
  const VitConfig& cfg = vm.cfg;
  const bool clip = cfg.kind == VitKind::clip;
  if (!m.saved || m.grads.size() == 0) {
    return fail(Status::invalid_argument,
                "vit_backward: expected a forward with forBackward (and gradients, see enable_grads) just before");
  }
  if (dpooled != nullptr && !clip && !cfg.pooler) return fail(Status::invalid_argument, "vit_backward: this model has no pooler");
  const int64_t c = cfg.hidden, b = m.b, t = vm.t, np = vm.np, bt = b * t, s = cfg.image_size;
  const float* p = m.params.data();
  float* g = m.grads.data();
  VitActs& a = m.va;
  if (dlast) {
    SHAPCA_TRY(upload(a.dy, dlast, bt * c, "vit_backward: dlast"));
  } else {
    SHAPCA_TRY(zero(a.dy, bt * c));
  }
  if (dpooled) SHAPCA_TRY(upload(a.dpooled, dpooled, b * c, "vit_backward: dpooled"));
  const float* dxl = a.dy;
  if (clip) {
    if (dpooled) {
      SHAPCA_TRY(zero(a.dpre, b * c));
      SHAPCA_TRY(layernorm_backward(a.dpre, g + vm.fin_w, g + vm.fin_b, a.dpooled, a.cls_rows, p + vm.fin_w, a.fin_mean,
                                    a.fin_rstd, b, c));
      SHAPCA_TRY(rows_add(a.dy, t * c, a.dpre, c, b, c));
    }
  } else {
    if (dpooled) {
      SHAPCA_TRY(tanh_pooler_backward(a.dy, g + vm.pool_w, g + vm.pool_b, a.dpre, a.dpooled, a.pooled, a.last,
                                      p + vm.pool_w, b, t, c));
    }
    SHAPCA_TRY(zero(a.dxl, bt * c));
    SHAPCA_TRY(layernorm_backward(a.dxl, g + vm.fin_w, g + vm.fin_b, a.dy, a.xl, p + vm.fin_w, a.fin_mean, a.fin_rstd, bt, c));
    dxl = a.dxl;
  }
  SHAPCA_TRY(zero(a.dx0, bt * c));
  SHAPCA_TRY(device_stack_backward(m.stack, a.dx0, g, dxl, clip ? a.x0 : a.emb, p));
  const float* demb = a.dx0;
  if (clip) {
    SHAPCA_TRY(zero(a.dxl, bt * c));
    SHAPCA_TRY(layernorm_backward(a.dxl, g + vm.pre_w, g + vm.pre_b, a.dx0, a.emb, p + vm.pre_w, a.pre_mean, a.pre_rstd, bt, c));
    demb = a.dxl;
  }
  SHAPCA_TRY(vit_embeddings_backward(g + vm.cls, g + vm.pos, a.dpe, demb, b, np, c));
  float* dpix = nullptr;
  if (dpixels) {
    dpix = a.dpixels;
    SHAPCA_TRY(zero(dpix, b * cfg.channels * s * s));
  }
  SHAPCA_TRY(patch_embed_backward(dpix, g + vm.patch_w, clip ? nullptr : g + vm.patch_b, a.dpe, a.patches,
                                  p + vm.patch_w, b, cfg.channels, s, s, cfg.patch, c));
  if (dpixels) SHAPCA_TRY(download_add(dpixels, dpix, b * cfg.channels * s * s, m.staging, "vit_backward: dpixels"));
  return Status::ok;
}

}  // namespace shapca::cuda
