// BERT and ViT/CLIP resident on the device (cuda/models) against the CPU models (models/): the
// same parameters on both, then forward outputs, every parameter gradient and the input
// gradients compared by NMSE; the optimizer over parameter ranges against the CPU AdamW; the
// argument checks.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "cuda/models/device_model.h"
#include "harness.h"
#include "kernels/adamw.h"
#include "models/bert.h"
#include "models/vit.h"

using namespace shapca;
using namespace shapca::cuda_test;

namespace {

// Tolerances (NMSE). Both sides are FP32; they differ in summation order (SGEMM tiles, cuBLAS,
// AVX2 blocks) and in the device's expf/erff/tanhf, which LayerNorm and the softmax amplify a little.
constexpr double kForwardTol = 1e-9;
constexpr double kGradTol = 1e-7;

// A model's parameters: the HF init, then noise on every value (LayerNorm weights ≈ 1, biases ≠ 0),
// so that every parameter shapes the output.
std::vector<float> model_params(const ParamTable& table, uint64_t seed) {
  std::vector<float> p(table.total());
  CHECK_OK(param_init(p.data(), table, seed, 0.05f));
  const auto noise = random_vector(p.size(), seed + 1, 0.05f);
  for (size_t i = 0; i < p.size(); ++i) p[i] += noise[i];
  return p;
}

// Every tensor of the table on its own, so that a mismatch names the parameter. The key biases'
// gradients are 0 in exact arithmetic (the softmax ignores a per-query constant) and both sides
// hold rounding noise there, so each tensor's Σ ref² is floored at 10⁻⁶ of its share of the whole
// gradient's: errors count against at least 1/1000 of the typical gradient's size.
void check_grads(const std::vector<float>& got, const std::vector<float>& want, const ParamTable& table,
                 const std::string& label) {
  double all = 0.0;
  for (float v : want) all += static_cast<double>(v) * v;
  const double mean_square = all / static_cast<double>(want.size());
  for (const ParamInfo& e : table.entries()) {
    double err = 0.0, norm = 0.0;
    for (int64_t i = e.offset; i < e.offset + e.numel; ++i) {
      err += (static_cast<double>(got[i]) - want[i]) * (static_cast<double>(got[i]) - want[i]);
      norm += static_cast<double>(want[i]) * want[i];
    }
    const double floor = 1e-6 * mean_square * static_cast<double>(e.numel), nmse = err / std::max(norm, floor);
    if (!(nmse <= kGradTol)) {
      char b[320];
      std::snprintf(b, sizeof b, "%s d%s: NMSE %.3g above %.3g over %lld values", label.c_str(), e.name.c_str(), nmse,
                    kGradTol, static_cast<long long>(e.numel));
      record_failure(__FILE__, __LINE__, b);
    }
  }
}

struct DeviceModelPtr {
  cuda::DeviceModel* m = nullptr;
  ~DeviceModelPtr() { cuda::destroy(m); }
};

BertConfig small_bert() {
  BertConfig c;
  c.vocab_size = 40;
  c.hidden = 32;
  c.layers = 2;
  c.heads = 4;
  c.intermediate = 64;
  c.max_positions = 16;
  return c;
}

VitConfig small_vit(VitKind kind) {
  VitConfig c;
  c.kind = kind;
  c.image_size = 16;
  c.patch = 8;
  c.hidden = 32;
  c.layers = 2;
  c.heads = 4;
  c.intermediate = 64;
  if (kind == VitKind::clip) {
    c.act = Activation::quick_gelu;
    c.eps = 1e-5f;
  } else {
    c.pooler = true;
  }
  return c;
}

// One BERT batch: ids, token types and a padding mask (the second sample is padded).
struct BertBatch {
  int64_t b, t;
  std::vector<int32_t> ids, types, mask;
};

BertBatch bert_batch(int64_t b, int64_t t, int64_t vocab, uint64_t seed, bool padded) {
  BertBatch x{b, t, std::vector<int32_t>(b * t), std::vector<int32_t>(b * t), std::vector<int32_t>(b * t, 1)};
  const auto r = random_vector(b * t, seed);
  for (int64_t i = 0; i < b * t; ++i) {
    x.ids[i] = static_cast<int32_t>((r[i] + 1.0f) * 0.5f * static_cast<float>(vocab - 1));
    x.types[i] = (i % t) >= t / 2 ? 1 : 0;
    if (padded && i / t == b - 1 && i % t >= t - 3) x.mask[i] = 0;
  }
  x.ids[0] = static_cast<int32_t>(vocab - 1);
  return x;
}

}  // namespace

TEST("models: BERT forward (training and inference), every gradient and dinputs_embeds match the CPU") {
  const BertConfig cfg = small_bert();
  BertModel cpu;
  CHECK_OK(bert_init(&cpu, cfg));
  DeviceModelPtr dev;
  CHECK_OK(cuda::bert_create(&dev.m, cfg));
  if (dev.m == nullptr) return;
  const ParamTable& table = cuda::table(*dev.m);
  CHECK(table.total() == cpu.table.total() && cuda::num_params(*dev.m) == cpu.table.total());
  CHECK(table.entries().size() == cpu.table.entries().size() && table.entries()[5].name == cpu.table.entries()[5].name);
  const int64_t n = cpu.table.total(), c = cfg.hidden;
  auto params = model_params(cpu.table, 11);
  std::vector<float> grads(n, 0.0f), dgrads(n);
  cpu.params = params.data();
  cpu.grads = grads.data();
  CHECK_OK(cuda::upload_params(*dev.m, params.data(), n));
  CHECK_OK(cuda::enable_grads(*dev.m));

  // Two rounds, the gradients accumulating: padded with both output gradients, then a smaller
  // batch without a mask or token types and only dpooled (the arena is reused).
  for (int round = 0; round < 2; ++round) {
    const bool first = round == 0;
    const BertBatch x = first ? bert_batch(2, 8, cfg.vocab_size, 3, true) : bert_batch(1, 5, cfg.vocab_size, 4, false);
    const int64_t bt = x.b * x.t;
    const int32_t* types = first ? x.types.data() : nullptr;
    const int32_t* mask = first ? x.mask.data() : nullptr;
    std::vector<float> last(bt * c), pooled(x.b * c), dlast_got(bt * c), pooled_got(x.b * c);
    CHECK_OK(bert_forward(cpu, last.data(), pooled.data(), x.ids.data(), types, mask, x.b, x.t, true));
    CHECK_OK(cuda::bert_forward(*dev.m, dlast_got.data(), pooled_got.data(), x.ids.data(), types, mask, x.b, x.t, true));
    const std::string label = "bert round " + std::to_string(round);
    CHECK_NMSE(dlast_got.data(), last.data(), last.size(), kForwardTol, label + " last_hidden");
    CHECK_NMSE(pooled_got.data(), pooled.data(), pooled.size(), kForwardTol, label + " pooled");

    const auto dlast = random_vector(bt * c, 20 + round), dpooled = random_vector(x.b * c, 30 + round);
    auto dembeds = random_vector(bt * c, 40 + round);  // accumulated into
    auto dembeds_got = dembeds;
    CHECK_OK(bert_backward(cpu, dembeds.data(), first ? dlast.data() : nullptr, dpooled.data()));
    CHECK_OK(cuda::bert_backward(*dev.m, dembeds_got.data(), first ? dlast.data() : nullptr, dpooled.data()));
    CHECK_NMSE(dembeds_got.data(), dembeds.data(), dembeds.size(), kGradTol, label + " dinputs_embeds");
  }
  CHECK_OK(cuda::download_grads(*dev.m, dgrads.data(), n));
  check_grads(dgrads, grads, cpu.table, "bert");

  // Inference keeps one activation set that every layer reuses.
  const BertBatch x = bert_batch(2, 7, cfg.vocab_size, 5, true);
  std::vector<float> last(2 * 7 * c), got(2 * 7 * c), pooled(2 * c), pooled_got(2 * c);
  CHECK_OK(bert_forward(cpu, last.data(), pooled.data(), x.ids.data(), x.types.data(), x.mask.data(), 2, 7, false));
  CHECK_OK(cuda::bert_forward(*dev.m, got.data(), pooled_got.data(), x.ids.data(), x.types.data(), x.mask.data(), 2, 7, false));
  CHECK_NMSE(got.data(), last.data(), last.size(), kForwardTol, "bert inference last_hidden");
  CHECK_NMSE(pooled_got.data(), pooled.data(), pooled.size(), kForwardTol, "bert inference pooled");
  CHECK_STATUS(cuda::bert_backward(*dev.m, nullptr, got.data(), nullptr), Status::invalid_argument);

  // zero_grads clears the device gradients.
  CHECK_OK(cuda::zero_grads(*dev.m));
  CHECK_OK(cuda::download_grads(*dev.m, dgrads.data(), n));
  double sum = 0.0;
  for (float v : dgrads) sum += std::fabs(v);
  CHECK(sum == 0.0);
}

TEST("models: ViT (with pooler) and CLIP forward, every gradient and dpixels match the CPU") {
  for (VitKind kind : {VitKind::vit, VitKind::clip}) {
    const VitConfig cfg = small_vit(kind);
    const std::string name = kind == VitKind::clip ? "clip" : "vit";
    VitModel cpu;
    CHECK_OK(vit_init(&cpu, cfg));
    DeviceModelPtr dev;
    CHECK_OK(cuda::vit_create(&dev.m, cfg));
    if (dev.m == nullptr) return;
    const int64_t n = cpu.table.total(), c = cfg.hidden, t = cpu.t;
    CHECK(cuda::num_params(*dev.m) == n);
    auto params = model_params(cpu.table, 12);
    std::vector<float> grads(n, 0.0f), dgrads(n);
    cpu.params = params.data();
    cpu.grads = grads.data();
    CHECK_OK(cuda::upload_params(*dev.m, params.data(), n));
    std::vector<float> back(n);
    CHECK_OK(cuda::download_params(*dev.m, back.data(), n));
    CHECK(back == params);
    CHECK_OK(cuda::enable_grads(*dev.m));

    // Two rounds: B = 2 with both output gradients, then B = 3 with only one of them.
    for (int round = 0; round < 2; ++round) {
      const int64_t b = round == 0 ? 2 : 3, pix = b * cfg.channels * cfg.image_size * cfg.image_size;
      const auto pixels = random_vector(pix, 50 + round);
      std::vector<float> last(b * t * c), pooled(b * c), last_got(b * t * c), pooled_got(b * c);
      CHECK_OK(vit_forward(cpu, last.data(), pooled.data(), pixels.data(), b, true));
      CHECK_OK(cuda::vit_forward(*dev.m, last_got.data(), pooled_got.data(), pixels.data(), b, true));
      const std::string label = name + " round " + std::to_string(round);
      CHECK_NMSE(last_got.data(), last.data(), last.size(), kForwardTol, label + " last_hidden");
      CHECK_NMSE(pooled_got.data(), pooled.data(), pooled.size(), kForwardTol, label + " pooled");

      const auto dlast = random_vector(b * t * c, 60 + round), dpooled = random_vector(b * c, 70 + round);
      const float* dl = round == 0 || kind == VitKind::clip ? dlast.data() : nullptr;
      const float* dp = round == 0 || kind == VitKind::vit ? dpooled.data() : nullptr;
      auto dpixels = random_vector(pix, 80 + round);
      auto dpixels_got = dpixels;
      CHECK_OK(vit_backward(cpu, dpixels.data(), dl, dp));
      CHECK_OK(cuda::vit_backward(*dev.m, dpixels_got.data(), dl, dp));
      CHECK_NMSE(dpixels_got.data(), dpixels.data(), dpixels.size(), kGradTol, label + " dpixels");
    }
    CHECK_OK(cuda::download_grads(*dev.m, dgrads.data(), n));
    check_grads(dgrads, grads, cpu.table, name);

    const auto pixels = random_vector(2 * cfg.channels * cfg.image_size * cfg.image_size, 90);
    std::vector<float> last(2 * t * c), got(2 * t * c), pooled(2 * c), pooled_got(2 * c);
    CHECK_OK(vit_forward(cpu, last.data(), pooled.data(), pixels.data(), 2, false));
    CHECK_OK(cuda::vit_forward(*dev.m, got.data(), pooled_got.data(), pixels.data(), 2, false));
    CHECK_NMSE(got.data(), last.data(), last.size(), kForwardTol, name + " inference last_hidden");
    CHECK_NMSE(pooled_got.data(), pooled.data(), pooled.size(), kForwardTol, name + " inference pooled");
  }
}

TEST("models: AdamW over two parameter ranges, the gradient norm and the moments match the CPU") {
  const BertConfig cfg = small_bert();
  DeviceModelPtr dev;
  CHECK_OK(cuda::bert_create(&dev.m, cfg));
  if (dev.m == nullptr) return;
  const int64_t n = cuda::num_params(*dev.m), c = cfg.hidden;
  auto params = model_params(cuda::table(*dev.m), 13);
  CHECK_OK(cuda::upload_params(*dev.m, params.data(), n));
  CHECK_OK(cuda::enable_grads(*dev.m));
  std::vector<float> m1(n, 1.0f), m2(n, 1.0f), grads(n);
  CHECK_OK(cuda::download_moments(*dev.m, m1.data(), m2.data(), n));  // before any step: zeros
  CHECK(m1 == std::vector<float>(n, 0.0f) && m2 == std::vector<float>(n, 0.0f));

  const BertBatch x = bert_batch(2, 6, cfg.vocab_size, 7, true);
  std::vector<float> last(2 * 6 * c), pooled(2 * c);
  const auto dlast = random_vector(last.size(), 8), dpooled = random_vector(pooled.size(), 9);
  CHECK_OK(cuda::bert_forward(*dev.m, last.data(), pooled.data(), x.ids.data(), x.types.data(), x.mask.data(), 2, 6, true));
  CHECK_OK(cuda::bert_backward(*dev.m, nullptr, dlast.data(), dpooled.data()));
  CHECK_OK(cuda::download_grads(*dev.m, grads.data(), n));

  const int64_t split = cuda::table(*dev.m).entries()[4].offset;  // the embeddings, then the rest
  for (auto [begin, end] : {std::pair<int64_t, int64_t>{0, n}, {0, split}, {split, n}, {split, split}}) {
    double want = 0.0, got = -1.0;
    for (int64_t i = begin; i < end; ++i) want += static_cast<double>(grads[i]) * grads[i];
    CHECK_OK(cuda::grad_norm_sq(*dev.m, begin, end, &got));
    CHECK(std::fabs(got - want) <= 1e-12 * want);
  }

  std::vector<float> cm(n, 0.0f), cv(n, 0.0f);
  for (int64_t step = 1; step <= 2; ++step) {
    AdamWConfig a;
    a.step = step;
    a.lr = 1e-2f;
    a.weight_decay = 0.01f;
    a.grad_scale = 0.5f;
    AdamWConfig b = a;
    b.lr = 3e-2f;
    b.weight_decay = 0.0f;
    CHECK_OK(adamw_step(params.data(), grads.data(), cm.data(), cv.data(), split, a));
    CHECK_OK(adamw_step(params.data() + split, grads.data() + split, cm.data() + split, cv.data() + split, n - split, b));
    CHECK_OK(cuda::adamw_step(*dev.m, 0, split, a));
    CHECK_OK(cuda::adamw_step(*dev.m, split, n, b));
  }
  std::vector<float> got(n);
  CHECK_OK(cuda::download_params(*dev.m, got.data(), n));
  CHECK_NMSE(got.data(), params.data(), n, 1e-12, "adamw params");
  CHECK_OK(cuda::download_moments(*dev.m, m1.data(), m2.data(), n));
  CHECK_NMSE(m1.data(), cm.data(), n, 1e-12, "adamw m");
  CHECK_NMSE(m2.data(), cv.data(), n, 1e-12, "adamw v");

  // Moments round trip exactly.
  const auto r1 = random_vector(n, 14), r2 = random_vector(n, 15);
  CHECK_OK(cuda::upload_moments(*dev.m, r1.data(), r2.data(), n));
  CHECK_OK(cuda::download_moments(*dev.m, m1.data(), m2.data(), n));
  CHECK(m1 == r1 && m2 == r2);
}

TEST("models: wrong calls are errors with messages, never aborts") {
  auto has = [](const char* part) { return std::string(last_error()).find(part) != std::string::npos; };
  const BertConfig cfg = small_bert();
  DeviceModelPtr bert, vit;
  CHECK_OK(cuda::bert_create(&bert.m, cfg));
  CHECK_OK(cuda::vit_create(&vit.m, small_vit(VitKind::vit)));
  if (bert.m == nullptr || vit.m == nullptr) return;
  cuda::DeviceModel& m = *bert.m;
  const int64_t n = cuda::num_params(m), c = cfg.hidden;
  std::vector<float> host(n), other(n), last(2 * 4 * c), pooled(2 * c);
  std::vector<int32_t> ids(8, 1);

  CHECK_STATUS(cuda::upload_params(m, host.data(), n - 1), Status::invalid_argument);
  CHECK(has("num_params"));
  CHECK_STATUS(cuda::download_params(m, nullptr, n), Status::invalid_argument);
  CHECK_STATUS(cuda::download_grads(m, host.data(), n), Status::invalid_argument);  // no gradients yet
  CHECK(has("enable_grads"));
  CHECK_STATUS(cuda::zero_grads(m), Status::invalid_argument);
  CHECK_STATUS(cuda::adamw_step(m, 0, n, AdamWConfig{}), Status::invalid_argument);
  CHECK_STATUS(cuda::bert_forward(m, last.data(), nullptr, ids.data(), nullptr, nullptr, 2, 4, true), Status::invalid_argument);
  CHECK(has("enable_grads"));
  CHECK_STATUS(cuda::bert_backward(m, nullptr, last.data(), nullptr), Status::invalid_argument);
  CHECK(has("forBackward"));

  CHECK_OK(cuda::enable_grads(m));
  double norm = 0.0;
  CHECK_STATUS(cuda::grad_norm_sq(m, 5, 3, &norm), Status::out_of_range);
  CHECK(has("begin <= end"));
  CHECK_STATUS(cuda::grad_norm_sq(m, 0, n + 1, &norm), Status::out_of_range);
  CHECK_STATUS(cuda::adamw_step(m, -1, 3, AdamWConfig{}), Status::out_of_range);
  AdamWConfig bad;
  bad.step = 0;
  CHECK_STATUS(cuda::adamw_step(m, 0, n, bad), Status::invalid_argument);
  CHECK_STATUS(cuda::download_moments(m, host.data(), other.data(), 3), Status::invalid_argument);
  CHECK_STATUS(cuda::upload_moments(m, host.data(), nullptr, n), Status::invalid_argument);

  ids[3] = 99;
  CHECK_STATUS(cuda::bert_forward(m, last.data(), nullptr, ids.data(), nullptr, nullptr, 2, 4, false), Status::out_of_range);
  CHECK(has("input_ids[3] = 99"));
  ids[3] = 1;
  CHECK_STATUS(cuda::bert_forward(m, last.data(), nullptr, ids.data(), nullptr, nullptr, 1, 17, false), Status::out_of_range);
  CHECK(has("max_position_embeddings"));
  CHECK_STATUS(cuda::bert_forward(m, nullptr, nullptr, ids.data(), nullptr, nullptr, 2, 4, false), Status::invalid_argument);
  CHECK_OK(cuda::bert_forward(m, last.data(), pooled.data(), ids.data(), nullptr, nullptr, 2, 4, false));
  CHECK_STATUS(cuda::bert_backward(m, nullptr, last.data(), nullptr), Status::invalid_argument);  // inference forward

  // The other kind.
  CHECK_STATUS(cuda::vit_forward(m, last.data(), nullptr, host.data(), 1, false), Status::invalid_argument);
  CHECK(has("this is a BERT model"));
  CHECK_STATUS(cuda::vit_backward(m, nullptr, last.data(), nullptr), Status::invalid_argument);
  CHECK_STATUS(cuda::bert_forward(*vit.m, last.data(), nullptr, ids.data(), nullptr, nullptr, 2, 4, false),
               Status::invalid_argument);
  CHECK(has("this is a ViT/CLIP model"));
  CHECK_STATUS(cuda::bert_backward(*vit.m, nullptr, last.data(), nullptr), Status::invalid_argument);

  // A ViT without a pooler refuses dpooled; with no forward, backward refuses.
  VitConfig plain = small_vit(VitKind::vit);
  plain.pooler = false;
  DeviceModelPtr v2;
  CHECK_OK(cuda::vit_create(&v2.m, plain));
  if (v2.m == nullptr) return;
  std::vector<float> pixels(3 * 16 * 16), vlast(5 * c);
  CHECK_STATUS(cuda::vit_forward(*v2.m, vlast.data(), pooled.data(), pixels.data(), 1, false), Status::invalid_argument);
  CHECK(has("no pooler"));
  CHECK_OK(cuda::enable_grads(*v2.m));
  CHECK_STATUS(cuda::vit_backward(*v2.m, nullptr, vlast.data(), nullptr), Status::invalid_argument);
  CHECK_STATUS(cuda::vit_forward(*v2.m, vlast.data(), nullptr, pixels.data(), 0, false), Status::out_of_range);
}

HOST_TEST("models: a bad config is an error before any device memory; destroy(null) is fine") {
  BertConfig cfg = small_bert();
  cfg.heads = 5;
  cuda::DeviceModel* m = reinterpret_cast<cuda::DeviceModel*>(64);
  CHECK_STATUS(cuda::bert_create(&m, cfg), Status::invalid_argument);
  CHECK(m == nullptr);
  CHECK(std::string(last_error()).find("num_attention_heads") != std::string::npos);
  VitConfig v = small_vit(VitKind::vit);
  v.patch = 7;
  CHECK_STATUS(cuda::vit_create(&m, v), Status::invalid_argument);
  CHECK_STATUS(cuda::bert_create(nullptr, small_bert()), Status::invalid_argument);
  cuda::destroy(nullptr);
}
