// BERT, as HF BertModel (post-LN encoder, exact GELU, optional pooler).
//   e[b,t] = word[ids[b,t]] + pos[t] + type[types[b,t]]        (BT, C)
//   x0 = LayerNorm(e);  x_l = layer_l(x_{l−1}, key mask);  last = x_L       last (B, T, C)
//   pooled = tanh(last[:,0] · Wpᵀ + bp)                                      pooled (B, C)
// Parameters are HF names without the "bert." prefix (embeddings.word_embeddings.weight,
// encoder.layer.N.attention.self.query.weight, ..., pooler.dense.weight), in one flat buffer
// that the caller owns; gradients have the same layout in a second one.
// Backward takes dlast (and dpooled) and accumulates every parameter's gradient and, when asked,
// the gradient of e's word-embedding term (HF's inputs_embeds).
#pragma once
#include <cstdint>

#include "encoder_stack.h"
#include "param_table.h"

namespace shapca {

struct BertConfig {
  int64_t vocab_size = 30522, hidden = 768, layers = 12, heads = 12, intermediate = 3072;
  int64_t max_positions = 512, type_vocab = 2;
  float eps = 1e-12f;
  Activation act = Activation::gelu;
  bool pooler = true;
};

// The buffers of the last batch, in the memory of the backend that ran it (host memory for
// BertModel, device memory for the CUDA model), planned per forward in one arena.
struct BertActs {
  int32_t *ids = nullptr, *types = nullptr, *positions = nullptr;  // (BT) each, back to back
  uint8_t* mask = nullptr;                                          // (BT)
  float *emb = nullptr, *emb_mean = nullptr, *emb_rstd = nullptr, *x0 = nullptr;  // (BT, C), (BT) ×2, (BT, C)
  const float* last = nullptr;                                      // (BT, C), inside the stack's activations
  float* pooled = nullptr;                                          // (B, C)
  float *dpre = nullptr, *dpooled = nullptr;                        // (B, C), training only; dpooled: device
  float *dy = nullptr, *dx0 = nullptr;                              // (BT, C), training only
};

struct BertModel {
  BertConfig cfg;
  ParamTable table;
  int64_t word = 0, pos = 0, type = 0, ln_w = 0, ln_b = 0, pool_w = -1, pool_b = -1;
  LayerStack stack;
  float* params = nullptr;  // (table.total()), owned by the caller
  float* grads = nullptr;   // (table.total()) or null for inference only

  // What the last forward kept (sized for b × t).
  Arena arena;
  int64_t b = 0, t = 0;
  bool saved = false;
  BertActs acts;
};

// Checks the config and builds the parameter table.
Status bert_init(BertModel* m, const BertConfig& cfg);

// token_types may be null (all 0); attention_mask may be null (no padding), else 0 marks padding.
// last_hidden is (B, T, C); pooled is (B, C) or null. for_backward keeps every activation.
// Padded positions carry no meaning (they only ever attend, never are attended to): an
// inference forward (for_backward false) leaves them at 0 and on the CPU does not compute them,
// which leaves every real position exactly as the full computation; a forward for backward
// computes them as HF does.
Status bert_forward(BertModel& m, float* last_hidden, float* pooled, const int32_t* ids, const int32_t* token_types,
                    const int32_t* attention_mask, int64_t b, int64_t t, bool for_backward);
// dlast (B, T, C) and dpooled (B, C) may each be null; dinputs_embeds (B, T, C) is accumulated
// when not null. Needs a forward with for_backward just before and a gradient buffer.
Status bert_backward(BertModel& m, float* dinputs_embeds, const float* dlast, const float* dpooled);

}  // namespace shapca
