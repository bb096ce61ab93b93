#include "vit.h"

#include <string>

#include "../kernels/layernorm.h"
#include "../kernels/patch_embed.h"
#include "../kernels/rows.h"
#include "pooler.h"
#include "vec_ops.h"

namespace shapca {

Status vit_init(VitModel* m, const VitConfig& cfg) {
  const VitConfig& c = cfg;
  if (c.image_size <= 0 || c.patch <= 0 || c.image_size % c.patch != 0 || c.channels <= 0 || c.hidden <= 0 ||
      c.layers < 0 || c.layers > 4096 || c.heads <= 0 || c.hidden % c.heads != 0 || c.intermediate <= 0 || !(c.eps >= 0.0f)) {
    return fail(Status::invalid_argument,
                "vit_init: expected positive sizes (at most 4096 layers), image_size divisible by patch_size and hidden_size divisible by "
                "num_attention_heads but received image_size=%lld patch_size=%lld num_channels=%lld "
                "hidden_size=%lld num_hidden_layers=%lld num_attention_heads=%lld intermediate_size=%lld",
                static_cast<long long>(c.image_size), static_cast<long long>(c.patch),
                static_cast<long long>(c.channels), static_cast<long long>(c.hidden),
                static_cast<long long>(c.layers), static_cast<long long>(c.heads),
                static_cast<long long>(c.intermediate));
  }
  if (c.kind == VitKind::clip && c.pooler) return fail(Status::invalid_argument, "vit_init: CLIP has no tanh pooler");
  m->cfg = c;
  const int64_t g = c.image_size / c.patch, h = c.hidden;
  m->np = g * g;
  m->t = m->np + 1;
  ParamTable& t = m->table;
  const bool clip = c.kind == VitKind::clip;
  if (clip) {
    m->cls = t.add("embeddings.class_embedding", {h}, ParamInit::normal);
    m->patch_w = t.add("embeddings.patch_embedding.weight", {h, c.channels, c.patch, c.patch}, ParamInit::normal);
    m->pos = t.add("embeddings.position_embedding.weight", {m->t, h}, ParamInit::normal);
    m->pre_w = t.add("pre_layrnorm.weight", {h}, ParamInit::ones);
    m->pre_b = t.add("pre_layrnorm.bias", {h}, ParamInit::zeros);
  } else {
    m->cls = t.add("embeddings.cls_token", {1, 1, h}, ParamInit::normal);
    m->pos = t.add("embeddings.position_embeddings", {1, m->t, h}, ParamInit::normal);
    m->patch_w = t.add("embeddings.patch_embeddings.projection.weight", {h, c.channels, c.patch, c.patch},
                       ParamInit::normal);
    m->patch_b = t.add("embeddings.patch_embeddings.projection.bias", {h}, ParamInit::zeros);
  }
  const LayerNames vit_names{"attention.attention.query", "attention.attention.key", "attention.attention.value",
                             "attention.output.dense", "layernorm_before", "intermediate.dense", "output.dense",
                             "layernorm_after"};
  const LayerNames clip_names{"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.out_proj",
                              "layer_norm1", "mlp.fc1", "mlp.fc2", "layer_norm2"};
  for (int64_t l = 0; l < c.layers; ++l) {
    const std::string prefix = (clip ? "encoder.layers." : "encoder.layer.") + std::to_string(l) + ".";
    m->stack.layers.push_back(add_layer(t, prefix, clip ? clip_names : vit_names, h, c.intermediate));
  }
  const char* fin = clip ? "post_layernorm" : "layernorm";
  m->fin_w = t.add(std::string(fin) + ".weight", {h}, ParamInit::ones);
  m->fin_b = t.add(std::string(fin) + ".bias", {h}, ParamInit::zeros);
  if (c.pooler) {
    m->pool_w = t.add("pooler.dense.weight", {h, h}, ParamInit::normal);
    m->pool_b = t.add("pooler.dense.bias", {h}, ParamInit::zeros);
  }
  LayerShape& s = m->stack.shape;
  s.c = h;
  s.nh = c.heads;
  s.inter = c.intermediate;
  s.eps = c.eps;
  s.act = c.act;
  s.pre_norm = true;
  return t.check("vit_init");
}

Status vit_forward(VitModel& m, float* last_hidden, float* pooled, const float* pixels, int64_t b, bool for_backward) {
  const VitConfig& cfg = m.cfg;
  const bool clip = cfg.kind == VitKind::clip;
  const int64_t c = cfg.hidden, t = m.t, np = m.np, bt = b * t, s = cfg.image_size;
  const int64_t k = cfg.channels * cfg.patch * cfg.patch;
  m.saved = false;
  if (m.params == nullptr || last_hidden == nullptr || pixels == nullptr) {
    return fail(Status::invalid_argument, "vit_forward: params, pixels and the output must not be null");
  }
  if (b <= 0) return fail(Status::out_of_range, "vit_forward: expected batch >= 1 but received %lld", static_cast<long long>(b));
  if (pooled != nullptr && !clip && !cfg.pooler) return fail(Status::invalid_argument, "vit_forward: this model has no pooler");
  if (for_backward && m.grads == nullptr) {
    return fail(Status::invalid_argument, "vit_forward: for_backward needs a gradient buffer");
  }
  const int64_t g = for_backward ? 1 : 0;
  Arena& ar = m.arena;
  ar.begin();
  ar.plan(&m.patches, b * np * k);
  ar.plan(&m.pe, b * np * c);
  ar.plan(&m.emb, bt * c);
  ar.plan(&m.x0, clip ? bt * c : 0);
  ar.plan(&m.pre_mean, clip ? bt : 0);
  ar.plan(&m.pre_rstd, clip ? bt : 0);
  ar.plan(&m.last, clip ? 0 : bt * c);
  ar.plan(&m.fin_mean, clip ? b : bt);
  ar.plan(&m.fin_rstd, clip ? b : bt);
  ar.plan(&m.cls_rows, b * c);
  ar.plan(&m.pooled, b * c);
  ar.plan(&m.dpre, b * c);
  ar.plan(&m.dy, g * bt * c);
  ar.plan(&m.dxl, g * bt * c);
  ar.plan(&m.dx0, g * bt * c);
  ar.plan(&m.dpe, g * b * np * c);
  stack_plan(ar, m.stack, b, t, for_backward);
  SHAPCA_TRY(ar.commit("vit_forward"));
  m.b = b;

  const float* p = m.params;
  SHAPCA_TRY(patch_embed_forward(m.pe, m.patches, pixels, p + m.patch_w, clip ? nullptr : p + m.patch_b, b,
                                 cfg.channels, s, s, cfg.patch, c));
  SHAPCA_TRY(for_rows(bt, c, [&](int64_t r) {
    const int64_t bi = r / t, tok = r % t;
    const float* src = tok == 0 ? p + m.cls : m.pe + (bi * np + tok - 1) * c;
    const float* pos = p + m.pos + tok * c;
    float* e = m.emb + r * c;
    for (int64_t j = 0; j < c; ++j) e[j] = src[j] + pos[j];
  }));
  const float* x0 = m.emb;
  if (clip) {
    SHAPCA_TRY(layernorm_forward(m.x0, m.pre_mean, m.pre_rstd, m.emb, p + m.pre_w, p + m.pre_b, bt, c, cfg.eps));
    x0 = m.x0;
  }
  SHAPCA_TRY(stack_forward(m.stack, &m.xl, x0, nullptr, p));
  if (clip) {
    SHAPCA_TRY(copy_to(last_hidden, m.xl, bt * c));
    for (int64_t i = 0; i < b; ++i) SHAPCA_TRY(copy_to(m.cls_rows + i * c, m.xl + i * t * c, c));
    SHAPCA_TRY(layernorm_forward(m.pooled, m.fin_mean, m.fin_rstd, m.cls_rows, p + m.fin_w, p + m.fin_b, b, c, cfg.eps));
  } else {
    SHAPCA_TRY(layernorm_forward(m.last, m.fin_mean, m.fin_rstd, m.xl, p + m.fin_w, p + m.fin_b, bt, c, cfg.eps));
    SHAPCA_TRY(copy_to(last_hidden, m.last, bt * c));
    if (cfg.pooler) SHAPCA_TRY(tanh_pooler_forward(m.pooled, m.last, p + m.pool_w, p + m.pool_b, b, t, c));
  }
  if (pooled) SHAPCA_TRY(copy_to(pooled, m.pooled, b * c));
  m.saved = for_backward;
  return Status::ok;
}

Status vit_backward(VitModel& m, float* dpixels, const float* dlast, const float* dpooled) {
  const VitConfig& cfg = m.cfg;
  const bool clip = cfg.kind == VitKind::clip;
  if (!m.saved || m.grads == nullptr) {
    return fail(Status::invalid_argument,
                "vit_backward: expected a forward with forBackward (and a gradient buffer) just before");
  }
  if (dpooled != nullptr && !clip && !cfg.pooler) return fail(Status::invalid_argument, "vit_backward: this model has no pooler");
  const int64_t c = cfg.hidden, b = m.b, t = m.t, np = m.np, bt = b * t, s = cfg.image_size;
  const float* p = m.params;
  float* g = m.grads;
  if (dlast) {
    SHAPCA_TRY(copy_to(m.dy, dlast, bt * c));
  } else {
    SHAPCA_TRY(zero(m.dy, bt * c));
  }
  const float* dxl = m.dy;
  if (clip) {
    if (dpooled) {
      SHAPCA_TRY(zero(m.dpre, b * c));
      SHAPCA_TRY(layernorm_backward(m.dpre, g + m.fin_w, g + m.fin_b, dpooled, m.cls_rows, p + m.fin_w, m.fin_mean,
                                    m.fin_rstd, b, c));
      for (int64_t i = 0; i < b; ++i) SHAPCA_TRY(add_to(m.dy + i * t * c, m.dpre + i * c, c));
    }
  } else {
    if (dpooled) {
      SHAPCA_TRY(tanh_pooler_backward(m.dy, g + m.pool_w, g + m.pool_b, m.dpre, dpooled, m.pooled, m.last, p + m.pool_w,
                                      b, t, c));
    }
    SHAPCA_TRY(zero(m.dxl, bt * c));
    SHAPCA_TRY(layernorm_backward(m.dxl, g + m.fin_w, g + m.fin_b, m.dy, m.xl, p + m.fin_w, m.fin_mean, m.fin_rstd, bt, c));
    dxl = m.dxl;
  }
  SHAPCA_TRY(zero(m.dx0, bt * c));
  SHAPCA_TRY(stack_backward(m.stack, m.dx0, g, dxl, clip ? m.x0 : m.emb, p));
  const float* demb = m.dx0;
  if (clip) {
    SHAPCA_TRY(zero(m.dxl, bt * c));
    SHAPCA_TRY(layernorm_backward(m.dxl, g + m.pre_w, g + m.pre_b, m.dx0, m.emb, p + m.pre_w, m.pre_mean, m.pre_rstd, bt, c));
    demb = m.dxl;
  }
  // e[b,tok] = (cls | pe[b,tok−1]) + pos[tok]: sum over the batch for cls and pos, gather for pe.
  SHAPCA_TRY(for_rows(t, c * b, [&](int64_t tok) {
    float* dpos = g + m.pos + tok * c;
    for (int64_t bi = 0; bi < b; ++bi) {
      const float* d = demb + (bi * t + tok) * c;
      for (int64_t j = 0; j < c; ++j) dpos[j] += d[j];
      if (tok == 0) {
        for (int64_t j = 0; j < c; ++j) g[m.cls + j] += d[j];
      } else {
        float* dst = m.dpe + (bi * np + tok - 1) * c;
        for (int64_t j = 0; j < c; ++j) dst[j] = d[j];
      }
    }
  }));
  return patch_embed_backward(dpixels, g + m.patch_w, clip ? nullptr : g + m.patch_b, m.dpe, m.patches,
                              p + m.patch_w, b, cfg.channels, s, s, cfg.patch, c);
}

}  // namespace shapca
