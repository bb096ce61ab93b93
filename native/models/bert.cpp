#include "bert.h"

#include <string>

#include "../kernels/embedding.h"
#include "../kernels/layernorm.h"
#include "../kernels/rows.h"
#include "pooler.h"
#include "vec_ops.h"

namespace shapca {

Status bert_check_ids(const BertConfig& cfg, const int32_t* ids, const int32_t* token_types, int64_t n) {
  auto check = [](const char* name, const int32_t* x, int64_t count, int64_t limit) {
    for (int64_t i = 0; i < count; ++i) {
      if (x[i] < 0 || x[i] >= limit) {
        return fail(Status::out_of_range, "bert_forward: expected %s in [0, %lld) but %s[%lld] = %d", name,
                    static_cast<long long>(limit), name, static_cast<long long>(i), x[i]);
      }
    }
    return Status::ok;
  };
  if (Status s = check("input_ids", ids, n, cfg.vocab_size); s != Status::ok) return s;
  return token_types ? check("token_type_ids", token_types, n, cfg.type_vocab) : Status::ok;
}

Status bert_init(BertModel* m, const BertConfig& cfg) {
  const BertConfig& c = cfg;
  if (c.vocab_size <= 0 || c.hidden <= 0 || c.layers < 0 || c.layers > 4096 || c.heads <= 0 || c.intermediate <= 0 ||
      c.max_positions <= 0 || c.type_vocab <= 0 || c.hidden % c.heads != 0 || !(c.eps >= 0.0f)) {
    return fail(Status::invalid_argument,
                "bert_init: expected positive sizes (at most 4096 layers) with hidden_size divisible by num_attention_heads but received "
                "vocab_size=%lld hidden_size=%lld num_hidden_layers=%lld num_attention_heads=%lld "
                "intermediate_size=%lld max_position_embeddings=%lld type_vocab_size=%lld",
                static_cast<long long>(c.vocab_size), static_cast<long long>(c.hidden),
                static_cast<long long>(c.layers), static_cast<long long>(c.heads),
                static_cast<long long>(c.intermediate), static_cast<long long>(c.max_positions),
                static_cast<long long>(c.type_vocab));
  }
  m->cfg = c;
  ParamTable& t = m->table;
  m->word = t.add("embeddings.word_embeddings.weight", {c.vocab_size, c.hidden}, ParamInit::normal);
  m->pos = t.add("embeddings.position_embeddings.weight", {c.max_positions, c.hidden}, ParamInit::normal);
  m->type = t.add("embeddings.token_type_embeddings.weight", {c.type_vocab, c.hidden}, ParamInit::normal);
  m->ln_w = t.add("embeddings.LayerNorm.weight", {c.hidden}, ParamInit::ones);
  m->ln_b = t.add("embeddings.LayerNorm.bias", {c.hidden}, ParamInit::zeros);
  const LayerNames names{"attention.self.query", "attention.self.key", "attention.self.value",
                         "attention.output.dense", "attention.output.LayerNorm", "intermediate.dense",
                         "output.dense", "output.LayerNorm"};
  for (int64_t l = 0; l < c.layers; ++l) {
    m->stack.layers.push_back(
        add_layer(t, "encoder.layer." + std::to_string(l) + ".", names, c.hidden, c.intermediate));
  }
  if (c.pooler) {
    m->pool_w = t.add("pooler.dense.weight", {c.hidden, c.hidden}, ParamInit::normal);
    m->pool_b = t.add("pooler.dense.bias", {c.hidden}, ParamInit::zeros);
  }
  LayerShape& s = m->stack.shape;
  s.c = c.hidden;
  s.nh = c.heads;
  s.inter = c.intermediate;
  s.eps = c.eps;
  s.act = c.act;
  s.pre_norm = false;
  return t.check("bert_init");
}

Status bert_forward(BertModel& m, float* last_hidden, float* pooled, const int32_t* ids, const int32_t* token_types,
                    const int32_t* attention_mask, int64_t b, int64_t t, bool for_backward) {
  const BertConfig& cfg = m.cfg;
  const int64_t c = cfg.hidden, bt = b * t;
  m.saved = false;
  if (m.params == nullptr || last_hidden == nullptr || ids == nullptr) {
    return fail(Status::invalid_argument, "bert_forward: params, ids and the output must not be null");
  }
  if (b <= 0 || t <= 0 || t > cfg.max_positions) {
    return fail(Status::out_of_range,
                "bert_forward: expected batch >= 1 and 1 <= seqLen <= max_position_embeddings (%lld) but received "
                "batch=%lld seqLen=%lld",
                static_cast<long long>(cfg.max_positions), static_cast<long long>(b), static_cast<long long>(t));
  }
  if (pooled != nullptr && !cfg.pooler) return fail(Status::invalid_argument, "bert_forward: this model has no pooler");
  if (for_backward && m.grads == nullptr) {
    return fail(Status::invalid_argument, "bert_forward: for_backward needs a gradient buffer");
  }
  SHAPCA_TRY(bert_check_ids(cfg, ids, token_types, bt));

  Arena& ar = m.arena;
  ar.begin();
  ar.plan(&m.ids, bt);
  ar.plan(&m.types, bt);
  ar.plan(&m.positions, bt);
  ar.plan(&m.mask, bt);
  ar.plan(&m.emb, bt * c);
  ar.plan(&m.emb_mean, bt);
  ar.plan(&m.emb_rstd, bt);
  ar.plan(&m.x0, bt * c);
  ar.plan(&m.pooled, b * c);
  ar.plan(&m.dpre, b * c);
  ar.plan(&m.dy, for_backward ? bt * c : 0);
  ar.plan(&m.dx0, for_backward ? bt * c : 0);
  stack_plan(ar, m.stack, b, t, for_backward);
  SHAPCA_TRY(ar.commit("bert_forward"));
  m.b = b;
  m.t = t;
  for (int64_t i = 0; i < bt; ++i) {
    m.ids[i] = ids[i];
    m.types[i] = token_types ? token_types[i] : 0;
    m.positions[i] = static_cast<int32_t>(i % t);
    m.mask[i] = attention_mask ? (attention_mask[i] != 0) : 1;
  }

  const float* p = m.params;
  SHAPCA_TRY(embedding_forward(m.emb, m.ids, p + m.word, bt, cfg.vocab_size, c));
  SHAPCA_TRY(for_rows(bt, c, [&](int64_t r) {
    float* e = m.emb + r * c;
    const float* pe = p + m.pos + static_cast<int64_t>(m.positions[r]) * c;
    const float* te = p + m.type + static_cast<int64_t>(m.types[r]) * c;
    for (int64_t j = 0; j < c; ++j) e[j] += pe[j] + te[j];
  }));
  SHAPCA_TRY(layernorm_forward(m.x0, m.emb_mean, m.emb_rstd, m.emb, p + m.ln_w, p + m.ln_b, bt, c, cfg.eps));
  SHAPCA_TRY(stack_forward(m.stack, &m.last, m.x0, m.mask, p));
  SHAPCA_TRY(copy_to(last_hidden, m.last, bt * c));
  if (cfg.pooler) {
    SHAPCA_TRY(tanh_pooler_forward(m.pooled, m.last, p + m.pool_w, p + m.pool_b, b, t, c));
    if (pooled) SHAPCA_TRY(copy_to(pooled, m.pooled, b * c));
  }
  m.saved = for_backward;
  return Status::ok;
}

Status bert_backward(BertModel& m, float* dinputs_embeds, const float* dlast, const float* dpooled) {
  const BertConfig& cfg = m.cfg;
  if (!m.saved || m.grads == nullptr) {
    return fail(Status::invalid_argument,
                "bert_backward: expected a forward with forBackward (and a gradient buffer) just before");
  }
  if (dpooled != nullptr && !cfg.pooler) return fail(Status::invalid_argument, "bert_backward: this model has no pooler");
  const int64_t c = cfg.hidden, b = m.b, t = m.t, bt = b * t;
  const float* p = m.params;
  float* g = m.grads;
  // dlast → a private buffer, which the pooler's gradient joins at the CLS rows.
  float* dy = m.dy;
  if (dlast) {
    SHAPCA_TRY(copy_to(dy, dlast, bt * c));
  } else {
    SHAPCA_TRY(zero(dy, bt * c));
  }
  if (dpooled) {
    SHAPCA_TRY(tanh_pooler_backward(dy, g + m.pool_w, g + m.pool_b, m.dpre, dpooled, m.pooled, m.last, p + m.pool_w, b,
                                    t, c));
  }
  float* dx0 = m.dx0;
  SHAPCA_TRY(zero(dx0, bt * c));
  SHAPCA_TRY(stack_backward(m.stack, dx0, g, dy, m.x0, p));
  float* demb = m.dy;  // free again
  SHAPCA_TRY(zero(demb, bt * c));
  SHAPCA_TRY(layernorm_backward(demb, g + m.ln_w, g + m.ln_b, dx0, m.emb, p + m.ln_w, m.emb_mean, m.emb_rstd, bt, c));
  SHAPCA_TRY(embedding_backward(g + m.word, demb, m.ids, bt, cfg.vocab_size, c));
  SHAPCA_TRY(embedding_backward(g + m.pos, demb, m.positions, bt, cfg.max_positions, c));
  SHAPCA_TRY(embedding_backward(g + m.type, demb, m.types, bt, cfg.type_vocab, c));
  if (dinputs_embeds) SHAPCA_TRY(add_to(dinputs_embeds, demb, bt * c));
  return Status::ok;
}

}  // namespace shapca
