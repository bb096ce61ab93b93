// bert_forward and bert_backward written once, for the CPU model (bert.cpp) and the device model
// (cuda/models/device_bert.cu): the checks, the buffer plan and the steps of bert.h's formulas,
// over a backend Be (backend.h) that supplies the kernels and carries the inputs and outputs
// across the host boundary (plain copies on the CPU, uploads and downloads on the GPU).
#pragma once
#include <algorithm>
#include <cstdint>

#include "../core/status.h"
#include "backend.h"
#include "bert.h"
#include "encoder_stack.h"
#include "pooler.h"

namespace shapca {

// One call's view of a BERT model: the CPU's BertModel, or the parts of a device model.
template <typename ArenaT>
struct BertRun {
  const BertModel& layout;  // config, parameter table and offsets
  LayerStack& stack;
  BertActs& acts;
  ArenaT& arena;
  const float* params;
  float* grads;  // null when the model has no gradients
  int64_t& b;
  int64_t& t;
  bool& saved;  // whether the last forward kept its activations for backward
};

// The arguments bert_forward and bert_backward refuse, on the host before anything runs: null
// inputs or outputs, sizes, a pooled output without a pooler, training without gradients, and
// input_ids outside [0, vocab) or token_type_ids (may be null) outside [0, type_vocab).
Status bert_check_forward(const BertConfig& cfg, const float* params, const float* last_hidden, const float* pooled,
                          const int32_t* ids, const int32_t* token_types, int64_t b, int64_t t, bool for_backward,
                          bool has_grads);
Status bert_check_backward(const BertConfig& cfg, bool saved, bool has_grads, const float* dpooled);

template <typename Be, typename ArenaT>
void bert_plan(const BertRun<ArenaT>& r, int64_t b, int64_t t, bool for_backward) {
  const int64_t c = r.layout.cfg.hidden, bt = b * t, g = for_backward ? 1 : 0, staged = Be::host_memory ? 0 : 1;
  BertActs& a = r.acts;
  ArenaT& ar = r.arena;
  ar.begin();
  ar.plan(&a.ids, 3 * bt);  // ids, types, positions: one upload
  ar.plan(&a.mask, bt);
  ar.plan(&a.emb, bt * c);
  ar.plan(&a.emb_mean, bt);
  ar.plan(&a.emb_rstd, bt);
  ar.plan(&a.x0, bt * c);
  ar.plan(&a.pooled, b * c);
  ar.plan(&a.dpre, g * b * c);
  ar.plan(&a.dpooled, staged * g * b * c);
  ar.plan(&a.dy, g * bt * c);
  ar.plan(&a.dx0, g * bt * c);
  stack_plan(ar, r.stack, b, t, for_backward);
}

template <typename Be, typename ArenaT>
Status bert_forward_with(Be& be, const BertRun<ArenaT>& r, float* last_hidden, float* pooled, const int32_t* ids,
                         const int32_t* token_types, const int32_t* attention_mask, int64_t b, int64_t t,
                         bool for_backward) {
  const BertModel& bm = r.layout;
  const BertConfig& cfg = bm.cfg;
  const int64_t c = cfg.hidden, bt = b * t;
  r.saved = false;
  SHAPCA_TRY(bert_check_forward(cfg, r.params, last_hidden, pooled, ids, token_types, b, t, for_backward,
                                r.grads != nullptr));
  bert_plan<Be>(r, b, t, for_backward);
  SHAPCA_TRY(r.arena.commit("bert_forward"));
  BertActs& a = r.acts;
  r.b = b;
  r.t = t;
  a.types = a.ids + bt;
  a.positions = a.ids + 2 * bt;
  int32_t* host_ids = be.staging(a.ids, 3 * bt);
  uint8_t* host_mask = be.staging(a.mask, bt);
  for (int64_t i = 0; i < bt; ++i) {
    host_ids[i] = ids[i];
    host_ids[bt + i] = token_types ? token_types[i] : 0;
    host_ids[2 * bt + i] = static_cast<int32_t>(i % t);
    host_mask[i] = attention_mask ? (attention_mask[i] != 0) : 1;
  }
  SHAPCA_TRY(be.load_bytes(a.ids, host_ids, 3 * bt * static_cast<int64_t>(sizeof(int32_t)), "bert_forward: ids"));
  SHAPCA_TRY(be.load_bytes(a.mask, host_mask, bt, "bert_forward: mask"));

  const float* p = r.params;
  SHAPCA_TRY(Be::bert_embed_forward(bm, a, p, bt));
  SHAPCA_TRY(Be::layernorm_forward(a.x0, a.emb_mean, a.emb_rstd, a.emb, p + bm.ln_w, p + bm.ln_b, bt, c, cfg.eps));
  SHAPCA_TRY(stack_forward_with<Be>(r.stack, &a.last, a.x0, a.mask, p));
  if (cfg.pooler) SHAPCA_TRY(tanh_pooler_forward_with<Be>(a.pooled, a.last, p + bm.pool_w, p + bm.pool_b, b, t, c));
  SHAPCA_TRY(be.store(last_hidden, a.last, bt * c, "bert_forward: last_hidden"));
  // Inference leaves padded positions at 0 on every backend (the CPU stack never computes them).
  if (!for_backward && attention_mask != nullptr) {
    for (int64_t i = 0; i < bt; ++i) {
      if (attention_mask[i] == 0) std::fill(last_hidden + i * c, last_hidden + (i + 1) * c, 0.0f);
    }
  }
  if (pooled) SHAPCA_TRY(be.store(pooled, a.pooled, b * c, "bert_forward: pooled"));
  r.saved = for_backward;
  return Status::ok;
}

template <typename Be, typename ArenaT>
Status bert_backward_with(Be& be, const BertRun<ArenaT>& r, float* dinputs_embeds, const float* dlast,
                          const float* dpooled) {
  const BertModel& bm = r.layout;
  const BertConfig& cfg = bm.cfg;
  SHAPCA_TRY(bert_check_backward(cfg, r.saved, r.grads != nullptr, dpooled));
  const int64_t c = cfg.hidden, b = r.b, t = r.t, bt = b * t;
  const float* p = r.params;
  float* g = r.grads;
  BertActs& a = r.acts;
  // dlast → a private buffer, which the pooler's gradient joins at the CLS rows.
  SHAPCA_TRY(load_or_zero(be, a.dy, dlast, bt * c, "bert_backward: dlast"));
  if (dpooled) {
    const float* dp = nullptr;
    SHAPCA_TRY(be.view(&dp, a.dpooled, dpooled, b * c, "bert_backward: dpooled"));
    SHAPCA_TRY(tanh_pooler_backward_with<Be>(a.dy, g + bm.pool_w, g + bm.pool_b, a.dpre, dp, a.pooled, a.last,
                                             p + bm.pool_w, b, t, c));
  }
  SHAPCA_TRY(Be::zero(a.dx0, bt * c));
  SHAPCA_TRY(stack_backward_with<Be>(r.stack, a.dx0, g, a.dy, a.x0, p));
  float* demb = a.dy;  // free again
  SHAPCA_TRY(Be::zero(demb, bt * c));
  SHAPCA_TRY(Be::layernorm_backward(demb, g + bm.ln_w, g + bm.ln_b, a.dx0, a.emb, p + bm.ln_w, a.emb_mean, a.emb_rstd,
                                    bt, c));
  SHAPCA_TRY(Be::bert_embed_backward(bm, a, g, demb, bt));
  if (dinputs_embeds) SHAPCA_TRY(be.store_add(dinputs_embeds, demb, bt * c, "bert_backward: dinputs_embeds"));
  return Status::ok;
}

}  // namespace shapca
