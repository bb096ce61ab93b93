// vit_forward and vit_backward written once, for the CPU model (vit.cpp) and the device model
// (cuda/models/device_vit.cu): the checks, the buffer plan and the steps of vit.h's formulas
// (ViT and CLIP), over a backend Be (backend.h) that supplies the kernels and carries the inputs
// and outputs across the host boundary (read in place on the CPU, uploaded to the GPU).
#pragma once
#include <cstdint>

#include "../core/status.h"
#include "backend.h"
#include "encoder_stack.h"
#include "pooler.h"
#include "vit.h"

namespace shapca {

// One call's view of a ViT/CLIP model: the CPU's VitModel, or the parts of a device model.
template <typename ArenaT>
struct VitRun {
  const VitModel& layout;  // config, parameter table, offsets, patches and tokens per image
  LayerStack& stack;
  VitActs& acts;
  ArenaT& arena;
  const float* params;
  float* grads;  // null when the model has no gradients
  int64_t& b;
  bool& saved;  // whether the last forward kept its activations for backward
};

// The arguments vit_forward and vit_backward refuse, on the host before anything runs.
Status vit_check_forward(const VitConfig& cfg, const float* params, const float* last_hidden, const float* pooled,
                         const float* pixels, int64_t b, bool for_backward, bool has_grads);
Status vit_check_backward(const VitConfig& cfg, bool saved, bool has_grads, const float* dpooled);

template <typename Be, typename ArenaT>
void vit_plan(const VitRun<ArenaT>& r, int64_t b, bool for_backward) {
  const VitConfig& cfg = r.layout.cfg;
  const bool clip = cfg.kind == VitKind::clip;
  const int64_t c = cfg.hidden, t = r.layout.t, np = r.layout.np, bt = b * t;
  const int64_t k = cfg.channels * cfg.patch * cfg.patch, pix = b * cfg.channels * cfg.image_size * cfg.image_size;
  const int64_t g = for_backward ? 1 : 0, staged = Be::host_memory ? 0 : 1;
  VitActs& a = r.acts;
  ArenaT& ar = r.arena;
  ar.begin();
  ar.plan(&a.pixels, staged * pix);
  ar.plan(&a.dpixels, staged * g * pix);
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
  ar.plan(&a.dpooled, staged * g * b * c);
  ar.plan(&a.dy, g * bt * c);
  ar.plan(&a.dxl, g * bt * c);
  ar.plan(&a.dx0, g * bt * c);
  ar.plan(&a.dpe, g * b * np * c);
  stack_plan(ar, r.stack, b, t, for_backward);
}

template <typename Be, typename ArenaT>
Status vit_forward_with(Be& be, const VitRun<ArenaT>& r, float* last_hidden, float* pooled, const float* pixels,
                        int64_t b, bool for_backward) {
  const VitModel& vm = r.layout;
  const VitConfig& cfg = vm.cfg;
  const bool clip = cfg.kind == VitKind::clip;
  const int64_t c = cfg.hidden, t = vm.t, bt = b * t, s = cfg.image_size;
  r.saved = false;
  SHAPCA_TRY(vit_check_forward(cfg, r.params, last_hidden, pooled, pixels, b, for_backward, r.grads != nullptr));
  vit_plan<Be>(r, b, for_backward);
  SHAPCA_TRY(r.arena.commit("vit_forward"));
  r.b = b;
  VitActs& a = r.acts;
  const float* px = nullptr;
  SHAPCA_TRY(be.view(&px, a.pixels, pixels, b * cfg.channels * s * s, "vit_forward: pixels"));

  const float* p = r.params;
  SHAPCA_TRY(Be::patch_embed_forward(a.pe, a.patches, px, p + vm.patch_w, clip ? nullptr : p + vm.patch_b, b,
                                     cfg.channels, s, s, cfg.patch, c));
  SHAPCA_TRY(Be::vit_embed_forward(vm, a, p, b));
  const float* x0 = a.emb;
  if (clip) {
    SHAPCA_TRY(Be::layernorm_forward(a.x0, a.pre_mean, a.pre_rstd, a.emb, p + vm.pre_w, p + vm.pre_b, bt, c, cfg.eps));
    x0 = a.x0;
  }
  SHAPCA_TRY(stack_forward_with<Be>(r.stack, &a.xl, x0, nullptr, p));
  const float* last = a.xl;
  if (clip) {
    SHAPCA_TRY(Be::rows_copy(a.cls_rows, c, a.xl, t * c, b, c));
    SHAPCA_TRY(Be::layernorm_forward(a.pooled, a.fin_mean, a.fin_rstd, a.cls_rows, p + vm.fin_w, p + vm.fin_b, b, c,
                                     cfg.eps));
  } else {
    SHAPCA_TRY(Be::layernorm_forward(a.last, a.fin_mean, a.fin_rstd, a.xl, p + vm.fin_w, p + vm.fin_b, bt, c, cfg.eps));
    last = a.last;
    if (cfg.pooler) SHAPCA_TRY(tanh_pooler_forward_with<Be>(a.pooled, a.last, p + vm.pool_w, p + vm.pool_b, b, t, c));
  }
  SHAPCA_TRY(be.store(last_hidden, last, bt * c, "vit_forward: last_hidden"));
  if (pooled) SHAPCA_TRY(be.store(pooled, a.pooled, b * c, "vit_forward: pooled"));
  r.saved = for_backward;
  return Status::ok;
}

template <typename Be, typename ArenaT>
Status vit_backward_with(Be& be, const VitRun<ArenaT>& r, float* dpixels, const float* dlast, const float* dpooled) {
  const VitModel& vm = r.layout;
  const VitConfig& cfg = vm.cfg;
  const bool clip = cfg.kind == VitKind::clip;
  SHAPCA_TRY(vit_check_backward(cfg, r.saved, r.grads != nullptr, dpooled));
  const int64_t c = cfg.hidden, b = r.b, t = vm.t, bt = b * t, s = cfg.image_size;
  const float* p = r.params;
  float* g = r.grads;
  VitActs& a = r.acts;
  SHAPCA_TRY(load_or_zero(be, a.dy, dlast, bt * c, "vit_backward: dlast"));
  const float* dp = nullptr;
  if (dpooled) SHAPCA_TRY(be.view(&dp, a.dpooled, dpooled, b * c, "vit_backward: dpooled"));
  const float* dxl = a.dy;
  if (clip) {
    if (dpooled) {
      SHAPCA_TRY(Be::zero(a.dpre, b * c));
      SHAPCA_TRY(Be::layernorm_backward(a.dpre, g + vm.fin_w, g + vm.fin_b, dp, a.cls_rows, p + vm.fin_w, a.fin_mean,
                                        a.fin_rstd, b, c));
      SHAPCA_TRY(Be::rows_add(a.dy, t * c, a.dpre, c, b, c));
    }
  } else {
    if (dpooled) {
      SHAPCA_TRY(tanh_pooler_backward_with<Be>(a.dy, g + vm.pool_w, g + vm.pool_b, a.dpre, dp, a.pooled, a.last,
                                               p + vm.pool_w, b, t, c));
    }
    SHAPCA_TRY(Be::zero(a.dxl, bt * c));
    SHAPCA_TRY(Be::layernorm_backward(a.dxl, g + vm.fin_w, g + vm.fin_b, a.dy, a.xl, p + vm.fin_w, a.fin_mean,
                                      a.fin_rstd, bt, c));
    dxl = a.dxl;
  }
  SHAPCA_TRY(Be::zero(a.dx0, bt * c));
  SHAPCA_TRY(stack_backward_with<Be>(r.stack, a.dx0, g, dxl, clip ? a.x0 : a.emb, p));
  const float* demb = a.dx0;
  if (clip) {
    SHAPCA_TRY(Be::zero(a.dxl, bt * c));
    SHAPCA_TRY(Be::layernorm_backward(a.dxl, g + vm.pre_w, g + vm.pre_b, a.dx0, a.emb, p + vm.pre_w, a.pre_mean,
                                      a.pre_rstd, bt, c));
    demb = a.dxl;
  }
  SHAPCA_TRY(Be::vit_embed_backward(vm, a, g, demb, b));
  const int64_t pix = b * cfg.channels * s * s;
  float* dpix = nullptr;  // where the pixel gradient accumulates: dpixels itself, or a device buffer
  if (dpixels) SHAPCA_TRY(be.accumulator(&dpix, a.dpixels, dpixels, pix));
  SHAPCA_TRY(Be::patch_embed_backward(dpix, g + vm.patch_w, clip ? nullptr : g + vm.patch_b, a.dpe, a.patches,
                                      p + vm.patch_w, b, cfg.channels, s, s, cfg.patch, c));
  if (dpixels) SHAPCA_TRY(be.flush(dpixels, dpix, pix, "vit_backward: dpixels"));
  return Status::ok;
}

}  // namespace shapca
