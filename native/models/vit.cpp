#include "vit.h"

#include <string>

#include "../kernels/rows.h"
#include "cpu_backend.h"
#include "vit_steps.h"

namespace shapca {

namespace {
VitRun<Arena> run(VitModel& m) { return {m, m.stack, m.acts, m.arena, m.params, m.grads, m.b, m.saved}; }
}  // namespace

Status vit_check_forward(const VitConfig& cfg, const float* params, const float* last_hidden, const float* pooled,
                         const float* pixels, int64_t b, bool for_backward, bool has_grads) {
  if (params == nullptr || last_hidden == nullptr || pixels == nullptr) {
    return fail(Status::invalid_argument, "vit_forward: params, pixels and the output must not be null");
  }
  if (b <= 0) return fail(Status::out_of_range, "vit_forward: expected batch >= 1 but received %lld", static_cast<long long>(b));
  if (pooled != nullptr && cfg.kind != VitKind::clip && !cfg.pooler) {
    return fail(Status::invalid_argument, "vit_forward: this model has no pooler");
  }
  if (for_backward && !has_grads) {
    return fail(Status::invalid_argument,
                "vit_forward: for_backward needs gradients (a gradient buffer, or enable_grads on the device)");
  }
  return Status::ok;
}

Status vit_check_backward(const VitConfig& cfg, bool saved, bool has_grads, const float* dpooled) {
  if (!saved || !has_grads) {
    return fail(Status::invalid_argument,
                "vit_backward: expected a forward with forBackward (and gradients: a gradient buffer, or "
                "enable_grads on the device) just before");
  }
  if (dpooled != nullptr && cfg.kind != VitKind::clip && !cfg.pooler) {
    return fail(Status::invalid_argument, "vit_backward: this model has no pooler");
  }
  return Status::ok;
}

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
  m->stack.shape = {.c = h, .nh = c.heads, .inter = c.intermediate, .eps = c.eps, .act = c.act, .pre_norm = true};
  return t.check("vit_init");
}

// e[b,0] = cls + pos[0];  e[b,1+p] = pe[b,p] + pos[1+p]
Status CpuBackend::vit_embed_forward(const VitModel& vm, const VitActs& a, const float* p, int64_t b) {
  const int64_t c = vm.cfg.hidden, t = vm.t, np = vm.np;
  return for_rows(b * t, c, [&](int64_t r) {
    const int64_t bi = r / t, tok = r % t;
    const float* src = tok == 0 ? p + vm.cls : a.pe + (bi * np + tok - 1) * c;
    const float* pos = p + vm.pos + tok * c;
    float* e = a.emb + r * c;
    for (int64_t j = 0; j < c; ++j) e[j] = src[j] + pos[j];
  });
}

// Sums over the batch for cls and pos, a gather for pe.
Status CpuBackend::vit_embed_backward(const VitModel& vm, const VitActs& a, float* g, const float* demb, int64_t b) {
  const int64_t c = vm.cfg.hidden, t = vm.t, np = vm.np;
  return for_rows(t, c * b, [&](int64_t tok) {
    float* dpos = g + vm.pos + tok * c;
    for (int64_t bi = 0; bi < b; ++bi) {
      const float* d = demb + (bi * t + tok) * c;
      for (int64_t j = 0; j < c; ++j) dpos[j] += d[j];
      if (tok == 0) {
        for (int64_t j = 0; j < c; ++j) g[vm.cls + j] += d[j];
      } else {
        float* dst = a.dpe + (bi * np + tok - 1) * c;
        for (int64_t j = 0; j < c; ++j) dst[j] = d[j];
      }
    }
  });
}

Status vit_forward(VitModel& m, float* last_hidden, float* pooled, const float* pixels, int64_t b, bool for_backward) {
  CpuBackend be;
  return vit_forward_with(be, run(m), last_hidden, pooled, pixels, b, for_backward);
}

Status vit_backward(VitModel& m, float* dpixels, const float* dlast, const float* dpooled) {
  CpuBackend be;
  return vit_backward_with(be, run(m), dpixels, dlast, dpooled);
}

}  // namespace shapca
