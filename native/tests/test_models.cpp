#include <algorithm>
#include <cmath>
#include <string>

#include "harness.h"
#include "models/bert.h"
#include "models/vit.h"

using namespace shapca;
using namespace shapca::test;

namespace {

// Checks a few entries of every parameter's gradient against central differences of
// L = Σ probe ⊙ last + Σ probe_pooled ⊙ pooled.
template <typename Loss>
void check_param_gradients(const ParamTable& table, std::vector<float>& params, const std::vector<float>& grads,
                           const Loss& loss, const std::string& label) {
  int bad = 0;
  for (size_t e = 0; e < table.entries().size(); ++e) {
    const ParamInfo& info = table.entries()[e];
    for (int64_t k = 0; k < 3; ++k) {
      const int64_t i = info.offset + (k * 7919 + static_cast<int64_t>(e) * 31) % info.numel;
      const float keep = params[i], h = 1e-2f;
      params[i] = keep + h;
      const double up = loss();
      params[i] = keep - h;
      const double down = loss();
      params[i] = keep;
      const double numeric = (up - down) / (2.0 * h);
      if (std::fabs(grads[i] - numeric) > 3e-3 + 2e-2 * std::fabs(numeric)) {
        if (++bad <= 3) {
          CHECK_MSG(false, label + ": " + info.name + " gradient " + std::to_string(grads[i]) + " vs numeric " +
                               std::to_string(numeric));
        }
      }
    }
  }
  CHECK_MSG(bad == 0, label + ": " + std::to_string(bad) + " gradient entries off");
}

}  // namespace

TEST("bert: every parameter gradient matches finite differences (padding, pooler)") {
  BertConfig cfg;
  cfg.vocab_size = 13;
  cfg.hidden = 8;
  cfg.layers = 2;
  cfg.heads = 2;
  cfg.intermediate = 12;
  cfg.max_positions = 7;
  cfg.type_vocab = 2;
  BertModel m;
  CHECK(bert_init(&m, cfg) == Status::ok);
  std::vector<float> params(m.table.total()), grads(m.table.total(), 0.0f);
  CHECK(param_init(params.data(), m.table, 3, 0.3f) == Status::ok);
  m.params = params.data();
  m.grads = grads.data();
  const int64_t b = 2, t = 5, c = cfg.hidden;
  std::vector<int32_t> ids{1, 5, 7, 2, 12, 3, 4, 9, 0, 0}, types{0, 0, 1, 1, 1, 0, 0, 1, 0, 0};
  std::vector<int32_t> mask{1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
  auto probe = random_vector(b * t * c, 21), probe_pool = random_vector(b * c, 22);
  std::vector<float> last(b * t * c), pooled(b * c);
  auto loss = [&]() {  // the function backward differentiates: the forward for backward (padded rows computed)
    bert_forward(m, last.data(), pooled.data(), ids.data(), types.data(), mask.data(), b, t, true);
    double l = 0.0;
    for (size_t i = 0; i < last.size(); ++i) l += static_cast<double>(probe[i]) * last[i];
    for (size_t i = 0; i < pooled.size(); ++i) l += static_cast<double>(probe_pool[i]) * pooled[i];
    return l;
  };
  for_each_path([&](KernelPath path) {
    std::fill(grads.begin(), grads.end(), 0.0f);
    std::vector<float> dembeds(b * t * c, 0.0f);
    CHECK(bert_forward(m, last.data(), pooled.data(), ids.data(), types.data(), mask.data(), b, t, true) == Status::ok);
    CHECK(bert_backward(m, dembeds.data(), probe.data(), probe_pool.data()) == Status::ok);
    check_param_gradients(m.table, params, grads, loss, std::string("bert ") + kernel_path_name(path));
    // inputs_embeds gradient = the word-embedding rows' gradient gathered by id (ids 0 repeat)
    for (int64_t j = 0; j < c; ++j) CHECK(std::fabs(dembeds[1 * c + j] - grads[m.word + 5 * c + j]) < 1e-6);
  });
  CHECK(bert_forward(m, last.data(), nullptr, ids.data(), nullptr, mask.data(), b, t, false) == Status::ok);
  CHECK(bert_backward(m, nullptr, probe.data(), nullptr) == Status::invalid_argument);  // forward was inference
  std::vector<int32_t> bad_ids = ids;
  bad_ids[3] = 13;
  CHECK(bert_forward(m, last.data(), nullptr, bad_ids.data(), nullptr, nullptr, b, t, false) == Status::out_of_range);
  CHECK(std::string(last_error()).find("input_ids[3] = 13") != std::string::npos);
  CHECK(bert_forward(m, last.data(), nullptr, ids.data(), nullptr, nullptr, 1, 8, false) == Status::out_of_range);
}

TEST("bert: inference skips padded rows; real rows equal the full forward, padded rows are 0") {
  BertConfig cfg;
  cfg.vocab_size = 50;
  cfg.hidden = 48;
  cfg.layers = 2;
  cfg.heads = 3;
  cfg.intermediate = 80;
  cfg.max_positions = 16;
  BertModel m;
  CHECK(bert_init(&m, cfg) == Status::ok);
  std::vector<float> params(m.table.total()), grads(m.table.total(), 0.0f);
  CHECK(param_init(params.data(), m.table, 5, 0.2f) == Status::ok);
  m.params = params.data();
  m.grads = grads.data();
  const int64_t b = 4, t = 13, c = cfg.hidden;
  std::vector<int32_t> ids(b * t), mask(b * t);
  const int64_t lens[4] = {13, 7, 1, 10};  // a full row, a single token, and a hole in the last one
  for (int64_t i = 0; i < b * t; ++i) {
    ids[i] = static_cast<int32_t>((i * 17 + 3) % cfg.vocab_size);
    mask[i] = (i % t) < lens[i / t] ? 1 : 0;
  }
  mask[3 * t + 4] = 0;
  for_each_path([&](KernelPath path) {
    std::vector<float> full(b * t * c), fast(b * t * c, 1.0f), pooled_full(b * c), pooled_fast(b * c);
    CHECK(bert_forward(m, full.data(), pooled_full.data(), ids.data(), nullptr, mask.data(), b, t, true) == Status::ok);
    CHECK(bert_forward(m, fast.data(), pooled_fast.data(), ids.data(), nullptr, mask.data(), b, t, false) == Status::ok);
    double worst = 0.0;
    int64_t nonzero_pad = 0;
    for (int64_t r = 0; r < b * t; ++r) {
      for (int64_t j = 0; j < c; ++j) {
        const float x = fast[r * c + j];
        if (mask[r]) worst = std::max(worst, static_cast<double>(std::fabs(x - full[r * c + j])));
        else nonzero_pad += x != 0.0f;
      }
    }
    CHECK_MSG(worst <= 1e-5, std::string(kernel_path_name(path)) + ": real rows differ by " + std::to_string(worst));
    CHECK_MSG(nonzero_pad == 0, std::string(kernel_path_name(path)) + ": padded rows are not 0");
    for (int64_t i = 0; i < b * c; ++i) CHECK(std::fabs(pooled_fast[i] - pooled_full[i]) <= 1e-5);
  });
}

TEST("vit and clip: every parameter gradient and dpixels match finite differences") {
  for (VitKind kind : {VitKind::vit, VitKind::clip}) {
    VitConfig cfg;
    cfg.kind = kind;
    cfg.image_size = 8;
    cfg.patch = 4;
    cfg.channels = 3;
    cfg.hidden = 8;
    cfg.layers = 2;
    cfg.heads = 2;
    cfg.intermediate = 12;
    cfg.eps = kind == VitKind::clip ? 1e-5f : 1e-12f;
    cfg.act = kind == VitKind::clip ? Activation::quick_gelu : Activation::gelu;
    cfg.pooler = kind == VitKind::vit;
    const std::string label = kind == VitKind::clip ? "clip" : "vit";
    VitModel m;
    CHECK(vit_init(&m, cfg) == Status::ok);
    std::vector<float> params(m.table.total()), grads(m.table.total(), 0.0f);
    CHECK(param_init(params.data(), m.table, 4, 0.3f) == Status::ok);
    m.params = params.data();
    m.grads = grads.data();
    const int64_t b = 2, c = cfg.hidden, t = m.t;
    auto pixels = random_vector(b * 3 * 8 * 8, 30);
    auto probe = random_vector(b * t * c, 31), probe_pool = random_vector(b * c, 32);
    std::vector<float> last(b * t * c), pooled(b * c);
    auto loss_at = [&](const std::vector<float>& px) {
      vit_forward(m, last.data(), pooled.data(), px.data(), b, false);
      double l = 0.0;
      for (size_t i = 0; i < last.size(); ++i) l += static_cast<double>(probe[i]) * last[i];
      for (size_t i = 0; i < pooled.size(); ++i) l += static_cast<double>(probe_pool[i]) * pooled[i];
      return l;
    };
    for_each_path([&](KernelPath path) {
      std::fill(grads.begin(), grads.end(), 0.0f);
      std::vector<float> dpix(pixels.size(), 0.0f);
      CHECK(vit_forward(m, last.data(), pooled.data(), pixels.data(), b, true) == Status::ok);
      CHECK(vit_backward(m, dpix.data(), probe.data(), probe_pool.data()) == Status::ok);
      check_param_gradients(m.table, params, grads, [&] { return loss_at(pixels); }, label + " " + kernel_path_name(path));
      int bad = 0;
      auto px = pixels;
      for (size_t i = 0; i < px.size(); i += 17) {
        const float keep = px[i];
        px[i] = keep + 1e-2f;
        const double up = loss_at(px);
        px[i] = keep - 1e-2f;
        const double down = loss_at(px);
        px[i] = keep;
        const double numeric = (up - down) / 2e-2;
        bad += std::fabs(dpix[i] - numeric) > 3e-3 + 2e-2 * std::fabs(numeric);
      }
      CHECK_MSG(bad == 0, label + ": dpixels off in " + std::to_string(bad) + " entries");
    });
  }
}
