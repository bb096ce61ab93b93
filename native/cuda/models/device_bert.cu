// BERT on the device: models/bert_steps.h over DeviceBackend, with host inputs and outputs at the
// boundary and everything in between on the GPU.
#include "device_backend.h"
#include "device_embeddings.h"
#include "device_model_internal.h"
#include "models/bert_steps.h"

namespace shapca::cuda {

namespace {
BertRun<DeviceArena> run(DeviceModel& m) {
  return {m.bert, m.stack, m.ba, m.arena, m.params.data(), m.grads.size() ? m.grads.data() : nullptr, m.b, m.t, m.saved};
}
}  // namespace

Status DeviceBackend::bert_embed_forward(const BertModel& bm, const BertActs& a, const float* p, int64_t bt) {
  return bert_embeddings_forward(a.emb, a.ids, a.positions, a.types, p + bm.word, p + bm.pos, p + bm.type, bt,
                                 bm.cfg.hidden);
}

Status DeviceBackend::bert_embed_backward(const BertModel& bm, const BertActs& a, float* g, const float* demb,
                                          int64_t bt) {
  return bert_embeddings_backward(g + bm.word, g + bm.pos, g + bm.type, demb, a.ids, a.positions, a.types, bt,
                                  bm.cfg.hidden);
}

Status bert_forward(DeviceModel& m, float* last_hidden, float* pooled, const int32_t* ids, const int32_t* token_types,
                    const int32_t* attention_mask, int64_t b, int64_t t, bool for_backward) {
  SHAPCA_TRY(expect_kind(m, ModelKind::bert, "bert_forward"));
  DeviceBackend be{m.host};
  return bert_forward_with(be, run(m), last_hidden, pooled, ids, token_types, attention_mask, b, t, for_backward);
}

Status bert_backward(DeviceModel& m, float* dinputs_embeds, const float* dlast, const float* dpooled) {
  SHAPCA_TRY(expect_kind(m, ModelKind::bert, "bert_backward"));
  DeviceBackend be{m.host};
  return bert_backward_with(be, run(m), dinputs_embeds, dlast, dpooled);
}

}  // namespace shapca::cuda
