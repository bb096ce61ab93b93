// BERT on the device: models/bert.cpp's forward and backward with host inputs and outputs at the
// boundary and everything in between on the GPU.
#include "cuda/layernorm.h"
#include "device_embeddings.h"
#include "device_model_internal.h"
#include "device_ops.h"
#include "device_pooler.h"
#include "device_stack.h"

namespace shapca::cuda {

namespace {

void plan(DeviceModel& m, int64_t b, int64_t t, bool for_backward) {
  const int64_t c = m.bert.cfg.hidden, bt = b * t, g = for_backward ? 1 : 0;
  BertActs& a = m.ba;
  DeviceArena& ar = m.arena;
  ar.begin();
  ar.plan(&a.ids, 3 * bt);  // ids, types, positions: one upload
  ar.plan(&a.mask, bt);
  ar.plan(&a.emb, bt * c);
  ar.plan(&a.emb_mean, bt);
  ar.plan(&a.emb_rstd, bt);
  ar.plan(&a.x0, bt * c);
  ar.plan(&a.pooled, b * c);
  ar.plan(&a.dpre, g * b * c);
  ar.plan(&a.dpooled, g * b * c);
  ar.plan(&a.dy, g * bt * c);
  ar.plan(&a.dx0, g * bt * c);
  stack_plan(ar, m.stack, b, t, for_backward);
}

}  // namespace

Status bert_forward(DeviceModel& m, float* last_hidden, float* pooled, const int32_t* ids, const int32_t* token_types,
                    const int32_t* attention_mask, int64_t b, int64_t t, bool for_backward) {
  SHAPCA_TRY(expect_kind(m, ModelKind::bert, "bert_forward"));
  const BertConfig& cfg = m.bert.cfg;
  const BertModel& bm = m.bert;
  const int64_t c = cfg.hidden, bt = b * t;
  m.saved = false;
  if (last_hidden == nullptr || ids == nullptr) {
    return fail(Status::invalid_argument, "bert_forward: ids and the output must not be null");
  }
  if (b <= 0 || t <= 0 || t > cfg.max_positions) {
    return fail(Status::out_of_range,
                "bert_forward: expected batch >= 1 and 1 <= seqLen <= max_position_embeddings (%lld) but received "
                "batch=%lld seqLen=%lld",
                static_cast<long long>(cfg.max_positions), static_cast<long long>(b), static_cast<long long>(t));
  }
  if (pooled != nullptr && !cfg.pooler) return fail(Status::invalid_argument, "bert_forward: this model has no pooler");
  if (for_backward && m.grads.size() == 0) {
    return fail(Status::invalid_argument, "bert_forward: for_backward needs gradients (call enable_grads first)");
  }
  SHAPCA_TRY(bert_check_ids(cfg, ids, token_types, bt));

  plan(m, b, t, for_backward);
  SHAPCA_TRY(m.arena.commit("bert_forward"));
  m.b = b;
  m.t = t;
  BertActs& a = m.ba;
  a.types = a.ids + bt;
  a.positions = a.ids + 2 * bt;
  m.host_ids.resize(static_cast<size_t>(3 * bt));
  m.host_mask.resize(static_cast<size_t>(bt));
  for (int64_t i = 0; i < bt; ++i) {
    m.host_ids[i] = ids[i];
    m.host_ids[bt + i] = token_types ? token_types[i] : 0;
    m.host_ids[2 * bt + i] = static_cast<int32_t>(i % t);
    m.host_mask[i] = attention_mask ? (attention_mask[i] != 0) : 1;
  }
  SHAPCA_TRY(upload_bytes(a.ids, m.host_ids.data(), 3 * bt * static_cast<int64_t>(sizeof(int32_t)), "bert_forward: ids"));
  SHAPCA_TRY(upload_bytes(a.mask, m.host_mask.data(), bt, "bert_forward: mask"));

  const float* p = m.params.data();
  SHAPCA_TRY(bert_embeddings_forward(a.emb, a.ids, a.positions, a.types, p + bm.word, p + bm.pos, p + bm.type, bt, c));
  SHAPCA_TRY(layernorm_forward(a.x0, a.emb_mean, a.emb_rstd, a.emb, p + bm.ln_w, p + bm.ln_b, bt, c, cfg.eps));
  SHAPCA_TRY(device_stack_forward(m.stack, &a.last, a.x0, a.mask, p));
  if (cfg.pooler) SHAPCA_TRY(tanh_pooler_forward(a.pooled, a.last, p + bm.pool_w, p + bm.pool_b, b, t, c));
  SHAPCA_TRY(download(last_hidden, a.last, bt * c, "bert_forward: last_hidden"));
  if (pooled) SHAPCA_TRY(download(pooled, a.pooled, b * c, "bert_forward: pooled"));
  m.saved = for_backward;
  return Status::ok;
}

Status bert_backward(DeviceModel& m, float* dinputs_embeds, const float* dlast, const float* dpooled) {
  SHAPCA_TRY(expect_kind(m, ModelKind::bert, "bert_backward"));
  const BertConfig& cfg = m.bert.cfg;
  const BertModel& bm = m.bert;
  if (!m.saved || m.grads.size() == 0) {
    return fail(Status::invalid_argument,
                "bert_backward: expected a forward with forBackward (and gradients, see enable_grads) just before");
  }
  if (dpooled != nullptr && !cfg.pooler) return fail(Status::invalid_argument, "bert_backward: this model has no pooler");
  const int64_t c = cfg.hidden, b = m.b, t = m.t, bt = b * t;
  const float* p = m.params.data();
  float* g = m.grads.data();
  BertActs& a = m.ba;
  // dlast → a private buffer, which the pooler's gradient joins at the CLS rows.
  if (dlast) {
    SHAPCA_TRY(upload(a.dy, dlast, bt * c, "bert_backward: dlast"));
  } else {
    SHAPCA_TRY(zero(a.dy, bt * c));
  }
  if (dpooled) {
    SHAPCA_TRY(upload(a.dpooled, dpooled, b * c, "bert_backward: dpooled"));
    SHAPCA_TRY(tanh_pooler_backward(a.dy, g + bm.pool_w, g + bm.pool_b, a.dpre, a.dpooled, a.pooled, a.last,
                                    p + bm.pool_w, b, t, c));
  }
  SHAPCA_TRY(zero(a.dx0, bt * c));
  SHAPCA_TRY(device_stack_backward(m.stack, a.dx0, g, a.dy, a.x0, p));
  float* demb = a.dy;  // free again
  SHAPCA_TRY(zero(demb, bt * c));
  SHAPCA_TRY(layernorm_backward(demb, g + bm.ln_w, g + bm.ln_b, a.dx0, a.emb, p + bm.ln_w, a.emb_mean, a.emb_rstd, bt, c));
  SHAPCA_TRY(bert_embeddings_backward(g + bm.word, g + bm.pos, g + bm.type, demb, a.ids, a.positions, a.types, bt, c));
  if (dinputs_embeds) SHAPCA_TRY(download_add(dinputs_embeds, demb, bt * c, m.staging, "bert_backward: dinputs_embeds"));
  return Status::ok;
}

}  // namespace shapca::cuda
