// BERT and ViT at bf16 / int8 inference (stack_set_precision) against their own fp32 forward:
// per-token cosine and the largest error relative to the output's scale, with explicit bounds;
// the reference kernels (scalar path) against the AVX-512 ones; training refused while packed.
#include <cmath>
#include <cstring>
#include <string>

#include "harness.h"
#include "models/bert.h"
#include "models/vit.h"

using namespace shapca;
using namespace shapca::test;

namespace {

struct Agreement {
  double min_cos = 1.0, max_rel = 0.0;  // max |y − ref| / max |ref|
};

Agreement agreement(const std::vector<float>& y, const std::vector<float>& ref, int64_t c) {
  Agreement a;
  double scale = 0.0;
  for (float v : ref) scale = std::max(scale, std::fabs(static_cast<double>(v)));
  for (size_t r = 0; r < ref.size() / c; ++r) {
    double dot = 0.0, ny = 0.0, nr = 0.0;
    for (int64_t j = 0; j < c; ++j) {
      const double u = y[r * c + j], v = ref[r * c + j];
      dot += u * v;
      ny += u * u;
      nr += v * v;
      a.max_rel = std::max(a.max_rel, std::fabs(u - v) / scale);
    }
    a.min_cos = std::min(a.min_cos, dot / std::sqrt(ny * nr));
  }
  return a;
}

BertConfig small_bert() {
  BertConfig cfg;
  cfg.vocab_size = 50;
  cfg.hidden = 64;
  cfg.layers = 3;
  cfg.heads = 4;
  cfg.intermediate = 160;
  cfg.max_positions = 24;
  return cfg;
}

// Bounds per precision: bf16 keeps 8 significant bits per operand, int8 about 7 per row/channel.
// Measured on these models: bf16 cos ≥ 0.99998, rel ≤ 0.004; int8 cos ≥ 0.9998, rel ≤ 0.012.
struct Bound {
  Precision p;
  double min_cos, max_rel;
};
const Bound kBounds[] = {{Precision::bf16, 0.99995, 0.015}, {Precision::int8, 0.999, 0.05}};

}  // namespace

TEST("bert at bf16 / int8: hidden states agree with fp32 within bounds; fp32 again is exact; training refused") {
  BertModel m;
  CHECK(bert_init(&m, small_bert()) == Status::ok);
  std::vector<float> params(m.table.total());
  CHECK(param_init(params.data(), m.table, 5, 0.05f) == Status::ok);
  m.params = params.data();
  const int64_t b = 3, t = 19, c = m.cfg.hidden;
  std::vector<int32_t> ids(b * t), mask(b * t, 1);
  for (int64_t i = 0; i < b * t; ++i) ids[i] = static_cast<int32_t>((i * 17 + 3) % 50);
  for (int64_t i = t - 4; i < t; ++i) mask[2 * t + i] = 0;  // padding in the last sequence
  std::vector<float> ref(b * t * c), y(b * t * c), pooled(b * c);
  CHECK(bert_forward(m, ref.data(), pooled.data(), ids.data(), nullptr, mask.data(), b, t, false) == Status::ok);
  for (const Bound& bd : kBounds) {
    const std::string label = std::string("bert ") + precision_name(bd.p);
    CHECK(stack_set_precision(m.stack, m.params, bd.p) == Status::ok);
    CHECK(bert_forward(m, y.data(), pooled.data(), ids.data(), nullptr, mask.data(), b, t, false) == Status::ok);
    const Agreement a = agreement(y, ref, c);
    std::printf("  %s: min cos %.6f, max rel err %.5f\n", label.c_str(), a.min_cos, a.max_rel);
    CHECK_MSG(a.min_cos >= bd.min_cos && a.max_rel <= bd.max_rel,
              label + ": cos " + std::to_string(a.min_cos) + " rel " + std::to_string(a.max_rel));
    CHECK_MSG(a.max_rel > 0.0, label + ": identical to fp32, so the packed weights were not used");
    // The reference kernels (scalar path) compute the same: int8 exactly (the fp32 parts of the
    // layers differ by path, slightly), bf16 up to the order of its sums, which can move an
    // activation across a bf16 rounding boundary (2⁻⁹) in the next layer.
    const KernelPath saved = kernel_path();
    if (precision_fast(bd.p) && set_kernel_path(KernelPath::scalar) == Status::ok) {
      std::vector<float> slow(b * t * c);
      CHECK(bert_forward(m, slow.data(), nullptr, ids.data(), nullptr, mask.data(), b, t, false) == Status::ok);
      set_kernel_path(saved);
      const Agreement s = agreement(slow, y, c);
      CHECK_MSG(s.max_rel <= (bd.p == Precision::int8 ? 1e-4 : 2e-3), label + ": reference vs fast rel " + std::to_string(s.max_rel));
    }
    std::vector<float> grads(m.table.total(), 0.0f);
    m.grads = grads.data();
    CHECK(bert_forward(m, y.data(), nullptr, ids.data(), nullptr, mask.data(), b, t, true) == Status::invalid_argument);
    CHECK(std::string(last_error()).find("training runs in fp32") != std::string::npos);
    m.grads = nullptr;
  }
  CHECK(stack_set_precision(m.stack, m.params, Precision::fp32) == Status::ok);
  CHECK(bert_forward(m, y.data(), pooled.data(), ids.data(), nullptr, mask.data(), b, t, false) == Status::ok);
  CHECK(std::memcmp(y.data(), ref.data(), y.size() * sizeof(float)) == 0);
  // A weight that is not finite cannot be packed, and the model stays at fp32.
  params[m.stack.layers[1].fc1_w + 5] = std::nanf("");
  CHECK(stack_set_precision(m.stack, m.params, Precision::int8) == Status::non_finite);
  CHECK(m.stack.precision == Precision::fp32 && m.stack.layers[0].packed == nullptr);
}

TEST("vit and clip at bf16 / int8: hidden states agree with fp32 within bounds") {
  for (VitKind kind : {VitKind::vit, VitKind::clip}) {
    VitConfig cfg;
    cfg.kind = kind;
    cfg.image_size = 32;
    cfg.patch = 8;
    cfg.hidden = 64;
    cfg.layers = 3;
    cfg.heads = 4;
    cfg.intermediate = 144;
    cfg.eps = 1e-5f;
    cfg.act = kind == VitKind::clip ? Activation::quick_gelu : Activation::gelu;
    VitModel m;
    CHECK(vit_init(&m, cfg) == Status::ok);
    std::vector<float> params(m.table.total());
    CHECK(param_init(params.data(), m.table, 6, 0.05f) == Status::ok);
    m.params = params.data();
    const int64_t b = 2, c = cfg.hidden;
    auto pixels = random_vector(b * 3 * 32 * 32, 40);
    std::vector<float> ref(b * m.t * c), y(b * m.t * c);
    CHECK(vit_forward(m, ref.data(), nullptr, pixels.data(), b, false) == Status::ok);
    for (const Bound& bd : kBounds) {
      const std::string label = std::string(kind == VitKind::clip ? "clip " : "vit ") + precision_name(bd.p);
      CHECK(stack_set_precision(m.stack, m.params, bd.p) == Status::ok);
      CHECK(vit_forward(m, y.data(), nullptr, pixels.data(), b, false) == Status::ok);
      const Agreement a = agreement(y, ref, c);
      std::printf("  %s: min cos %.6f, max rel err %.5f\n", label.c_str(), a.min_cos, a.max_rel);
      CHECK_MSG(a.min_cos >= bd.min_cos && a.max_rel <= bd.max_rel && a.max_rel > 0.0,
                label + ": cos " + std::to_string(a.min_cos) + " rel " + std::to_string(a.max_rel));
    }
  }
}
