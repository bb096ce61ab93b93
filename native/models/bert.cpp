#include "bert.h"

#include <string>

#include "../kernels/embedding.h"
#include "../kernels/rows.h"
#include "bert_steps.h"
#include "cpu_backend.h"

namespace shapca {

namespace {

Status check_ids(const BertConfig& cfg, const int32_t* ids, const int32_t* token_types, int64_t n) {
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

BertRun<Arena> run(BertModel& m) { return {m, m.stack, m.acts, m.arena, m.params, m.grads, m.b, m.t, m.saved}; }

}  // namespace

Status bert_check_forward(const BertConfig& cfg, const float* params, const float* last_hidden, const float* pooled,
                          const int32_t* ids, const int32_t* token_types, int64_t b, int64_t t, bool for_backward,
                          bool has_grads) {
  if (params == nullptr || last_hidden == nullptr || ids == nullptr) {
    return fail(Status::invalid_argument, "bert_forward: params, ids and the output must not be null");
  }
  if (b <= 0 || t <= 0 || t > cfg.max_positions) {
    return fail(Status::out_of_range,
                "bert_forward: expected batch >= 1 and 1 <= seqLen <= max_position_embeddings (%lld) but received "
                "batch=%lld seqLen=%lld",
                static_cast<long long>(cfg.max_positions), static_cast<long long>(b), static_cast<long long>(t));
  }
  if (pooled != nullptr && !cfg.pooler) return fail(Status::invalid_argument, "bert_forward: this model has no pooler");
  if (for_backward && !has_grads) {
    return fail(Status::invalid_argument,
                "bert_forward: for_backward needs gradients (a gradient buffer, or enable_grads on the device)");
  }
  return check_ids(cfg, ids, token_types, b * t);
}

Status bert_check_backward(const BertConfig& cfg, bool saved, bool has_grads, const float* dpooled) {
  if (!saved || !has_grads) {
    return fail(Status::invalid_argument,
                "bert_backward: expected a forward with forBackward (and gradients: a gradient buffer, or "
                "enable_grads on the device) just before");
  }
  if (dpooled != nullptr && !cfg.pooler) return fail(Status::invalid_argument, "bert_backward: this model has no pooler");
  return Status::ok;
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
  m->stack.shape = {.c = c.hidden, .nh = c.heads, .inter = c.intermediate, .eps = c.eps, .act = c.act,
                    .pre_norm = false};
  return t.check("bert_init");
}

// e = word[ids] + (pos[positions] + type[types]): the lookup, then the two small tables per row.
Status CpuBackend::bert_embed_forward(const BertModel& bm, const BertActs& a, const float* p, int64_t bt) {
  const int64_t c = bm.cfg.hidden;
  SHAPCA_TRY(embedding_forward(a.emb, a.ids, p + bm.word, bt, bm.cfg.vocab_size, c));
  return for_rows(bt, c, [&](int64_t r) {
    float* e = a.emb + r * c;
    const float* pe = p + bm.pos + static_cast<int64_t>(a.positions[r]) * c;
    const float* te = p + bm.type + static_cast<int64_t>(a.types[r]) * c;
    for (int64_t j = 0; j < c; ++j) e[j] += pe[j] + te[j];
  });
}

Status CpuBackend::bert_embed_backward(const BertModel& bm, const BertActs& a, float* g, const float* demb, int64_t bt) {
  const BertConfig& cfg = bm.cfg;
  SHAPCA_TRY(embedding_backward(g + bm.word, demb, a.ids, bt, cfg.vocab_size, cfg.hidden));
  SHAPCA_TRY(embedding_backward(g + bm.pos, demb, a.positions, bt, cfg.max_positions, cfg.hidden));
  return embedding_backward(g + bm.type, demb, a.types, bt, cfg.type_vocab, cfg.hidden);
}

Status bert_forward(BertModel& m, float* last_hidden, float* pooled, const int32_t* ids, const int32_t* token_types,
                    const int32_t* attention_mask, int64_t b, int64_t t, bool for_backward) {
  CpuBackend be;
  return bert_forward_with(be, run(m), last_hidden, pooled, ids, token_types, attention_mask, b, t, for_backward);
}

Status bert_backward(BertModel& m, float* dinputs_embeds, const float* dlast, const float* dpooled) {
  CpuBackend be;
  return bert_backward_with(be, run(m), dinputs_embeds, dlast, dpooled);
}

}  // namespace shapca
