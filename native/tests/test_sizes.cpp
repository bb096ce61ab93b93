// Sizes from outside (model configs, batch shapes) must not wrap: parameter tables and activation
// arenas refuse products past their bounds with a status instead of allocating a wrapped size.
#include <cstdint>

#include "core/status.h"
#include "harness.h"
#include "models/bert.h"
#include "models/param_table.h"
#include "models/vit.h"

using namespace shapca;

TEST("parameter tables refuse shapes whose product or total passes the bound") {
  ParamTable ok;
  ok.add("w", {1024, 1024}, ParamInit::normal);
  CHECK(ok.check("t") == Status::ok);
  CHECK(ok.total() == 1024 * 1024);

  ParamTable wrapped;  // 2^32 · 2^32 wraps int64 to 0
  wrapped.add("w", {int64_t{1} << 32, int64_t{1} << 32}, ParamInit::normal);
  CHECK(wrapped.check("t") == Status::out_of_range);

  ParamTable summed;  // each fits, the total does not
  for (int i = 0; i < 5; ++i) summed.add("w", {int64_t{1} << 32}, ParamInit::zeros);
  CHECK(summed.check("t") == Status::out_of_range);
}

// A BERT config of the given sizes (the rest as bert-base).
static BertConfig bert_sizes(int64_t vocab, int64_t hidden, int64_t layers, int64_t inter) {
  BertConfig c;
  c.vocab_size = vocab;
  c.hidden = hidden;
  c.layers = layers;
  c.heads = 1;
  c.intermediate = inter;
  return c;
}

TEST("bert_init and vit_init refuse configs that would overflow or loop for minutes") {
  BertModel wide, deep;
  CHECK(bert_init(&wide, bert_sizes(1000000000, 2147483647, 2, 2147483647)) == Status::out_of_range);
  CHECK(bert_init(&deep, bert_sizes(8, 8, 2147483647, 8)) == Status::invalid_argument);
  VitConfig v;  // (2^31 − 2)² patches of width 8
  v.image_size = 2147483646;
  v.patch = 1;
  v.hidden = v.intermediate = 8;
  v.layers = v.heads = 1;
  VitModel vm;
  CHECK(vit_init(&vm, v) == Status::out_of_range);
}

TEST("activation arenas refuse counts whose byte size wraps") {
  Arena a;
  float* x = nullptr;
  a.begin();
  a.plan(&x, INT64_MAX / 2);
  CHECK(a.commit("t") == Status::out_of_range);
  a.begin();
  a.plan(&x, 1024);
  CHECK(a.commit("t") == Status::ok);
  CHECK(x != nullptr);
}
