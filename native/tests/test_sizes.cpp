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

TEST("bert_init and vit_init refuse configs that would overflow or loop for minutes") {
  BertConfig c;
  c.vocab_size = 1000000000;
  c.hidden = 2147483647;
  c.layers = 2;
  c.heads = 1;
  c.intermediate = 2147483647;
  c.max_positions = 512;
  c.type_vocab = 2;
  BertModel m;
  CHECK(bert_init(&m, c) == Status::out_of_range);
  BertConfig deep;
  deep.vocab_size = 8;
  deep.hidden = 8;
  deep.layers = 2147483647;
  deep.heads = 1;
  deep.intermediate = 8;
  deep.max_positions = 8;
  deep.type_vocab = 2;
  BertModel d;
  CHECK(bert_init(&d, deep) == Status::invalid_argument);
  VitConfig v;
  v.image_size = 2147483646;
  v.patch = 1;
  v.hidden = 8;
  v.layers = 1;
  v.heads = 1;
  v.intermediate = 8;
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
