// The device models in the benchmark: BERT-base (12 layers, 768, 12 heads, 3072) at B=32 T=128 —
// forward (inference), forward+backward, and a full training step (zero_grads, forward, backward,
// the gradient norm and AdamW over all parameters) — and ViT-B/16 forward at B=32. Times include
// the host boundary of cuda/models/device_model.h (ids, pixels and output gradients up; last_hidden
// and pooled down), as the library uses it; the PyTorch peer (torch_peer.py) does the same copies.
// Each model is first validated against the CPU model (models/) on a 2-sample batch with the same
// parameters: forward outputs and, for BERT, every parameter gradient.
#include <cmath>
#include <string>
#include <vector>

#include "bench.h"
#include "cuda/models/device_model.h"
#include "models/bert.h"
#include "models/vit.h"

using namespace shapca;

namespace shapca_bench {

namespace {

struct ModelSizes {
  BertConfig bert;
  VitConfig vit;
  int64_t b, t;  // BERT batch; ViT uses b images
  int reps;
};

ModelSizes model_sizes(bool tiny) {
  ModelSizes s{BertConfig{}, VitConfig{}, 32, 128, 10};  // the defaults are BERT-base and ViT-B/16
  if (tiny) {
    s.bert.vocab_size = 100;
    s.bert.hidden = s.vit.hidden = 64;
    s.bert.layers = s.vit.layers = 2;
    s.bert.heads = s.vit.heads = 4;
    s.bert.intermediate = s.vit.intermediate = 128;
    s.bert.max_positions = 32;
    s.vit.image_size = 32;
    s.b = 2;
    s.t = 16;
    s.reps = 2;
  }
  return s;
}

double nmse(const std::vector<float>& got, const std::vector<float>& want) {
  double err = 0.0, norm = 0.0;
  for (size_t i = 0; i < want.size(); ++i) {
    err += (static_cast<double>(got[i]) - want[i]) * (static_cast<double>(got[i]) - want[i]);
    norm += static_cast<double>(want[i]) * want[i];
  }
  return norm > 0.0 ? err / norm : err;
}

bool check_nmse(const std::vector<float>& got, const std::vector<float>& want, double tol, const std::string& what) {
  const double e = nmse(got, want);
  if (e <= tol) return true;
  std::fprintf(stderr, "%s: NMSE %.3g against the CPU model, above %.3g\n", what.c_str(), e, tol);
  ++g_failures;
  return false;
}

struct Owned {
  cuda::DeviceModel* m = nullptr;
  ~Owned() { cuda::destroy(m); }
};

std::vector<int32_t> random_ids(int64_t n, int64_t limit, uint64_t seed) {
  const auto r = random_vector(static_cast<size_t>(n), seed);
  std::vector<int32_t> ids(n);
  for (int64_t i = 0; i < n; ++i) ids[i] = static_cast<int32_t>((r[i] + 1.0f) * 0.5f * static_cast<float>(limit - 1));
  return ids;
}

// BERT on 2 samples, CPU model against device model: outputs and the whole gradient buffer.
bool validate_bert(cuda::DeviceModel& dev, const BertConfig& cfg, const std::vector<float>& params, int64_t t) {
  BertModel cpu;
  if (!ok(bert_init(&cpu, cfg), "bench bert_init")) return false;
  const int64_t vb = 2, c = cfg.hidden, n = cpu.table.total();
  std::vector<float> grads(n, 0.0f), dgrads(n);
  cpu.params = const_cast<float*>(params.data());
  cpu.grads = grads.data();
  const auto ids = random_ids(vb * t, cfg.vocab_size, 41);
  const auto dlast = random_vector(vb * t * c, 42, 1e-2f), dpooled = random_vector(vb * c, 43, 1e-2f);
  std::vector<float> last(vb * t * c), pooled(vb * c), last_got(last.size()), pooled_got(pooled.size());
  if (!ok(bert_forward(cpu, last.data(), pooled.data(), ids.data(), nullptr, nullptr, vb, t, true), "cpu bert_forward") ||
      !ok(bert_backward(cpu, nullptr, dlast.data(), dpooled.data()), "cpu bert_backward") ||
      !ok(cuda::zero_grads(dev), "zero_grads") ||
      !ok(cuda::bert_forward(dev, last_got.data(), pooled_got.data(), ids.data(), nullptr, nullptr, vb, t, true),
          "bert_forward") ||
      !ok(cuda::bert_backward(dev, nullptr, dlast.data(), dpooled.data()), "bert_backward") ||
      !ok(cuda::download_grads(dev, dgrads.data(), n), "download_grads")) {
    return false;
  }
  const bool good = check_nmse(last_got, last, 1e-6, "bert last_hidden") & check_nmse(pooled_got, pooled, 1e-6, "bert pooled") &
                    check_nmse(dgrads, grads, 1e-5, "bert gradients");
  return good && ok(cuda::zero_grads(dev), "zero_grads");
}

void bench_bert(const ModelSizes& s) {
  if (!wanted("bert_base")) return;
  const BertConfig& cfg = s.bert;
  Owned dev;
  if (!ok(cuda::bert_create(&dev.m, cfg), "bert_create")) return;
  cuda::DeviceModel& m = *dev.m;
  const int64_t n = cuda::num_params(m), b = s.b, t = s.t, c = cfg.hidden;
  std::vector<float> params(n);
  if (!ok(param_init(params.data(), cuda::table(m), 1, 0.02f), "param_init") ||
      !ok(cuda::upload_params(m, params.data(), n), "upload_params") || !ok(cuda::enable_grads(m), "enable_grads") ||
      !validate_bert(m, cfg, params, t)) {
    return;
  }
  const auto ids = random_ids(b * t, cfg.vocab_size, 44);
  const auto dlast = random_vector(b * t * c, 45, 1e-3f), dpooled = random_vector(b * c, 46, 1e-3f);
  std::vector<float> last(b * t * c), pooled(b * c);
  const std::string shape = "L=" + std::to_string(cfg.layers) + " C=" + std::to_string(c) + " B=" + std::to_string(b) +
                            " T=" + std::to_string(t) + ", host I/O";
  const double tokens = static_cast<double>(b * t);
  auto forward = [&](bool for_backward) {
    ok(cuda::bert_forward(m, last.data(), pooled.data(), ids.data(), nullptr, nullptr, b, t, for_backward), "bert_forward");
  };
  if (wanted("bert_base_forward")) {
    const double ms = time_gpu([&] { forward(false); }, 2 * s.reps);
    report("bert_base_forward", shape, ms, nullptr, 0.0, "tokens/s", tokens / ms * 1e3);
  }
  if (wanted("bert_base_forward_backward")) {
    const double ms = time_gpu([&] {
      forward(true);
      ok(cuda::bert_backward(m, nullptr, dlast.data(), dpooled.data()), "bert_backward");
    }, s.reps);
    report("bert_base_forward_backward", shape, ms, nullptr, 0.0, "tokens/s", tokens / ms * 1e3);
  }
  if (wanted("bert_base_train_step")) {
    AdamWConfig opt;
    opt.lr = 1e-5f;
    const double ms = time_gpu([&] {
      ok(cuda::zero_grads(m), "zero_grads");
      forward(true);
      ok(cuda::bert_backward(m, nullptr, dlast.data(), dpooled.data()), "bert_backward");
      double sq = 0.0;
      ok(cuda::grad_norm_sq(m, 0, n, &sq), "grad_norm_sq");
      const double norm = std::sqrt(sq);
      opt.grad_scale = norm > 1.0 ? static_cast<float>(1.0 / norm) : 1.0f;  // clip at 1
      ok(cuda::adamw_step(m, 0, n, opt), "adamw_step");
      ++opt.step;
    }, s.reps);
    report("bert_base_train_step", shape + ", clip+AdamW", ms, nullptr, 0.0, "tokens/s", tokens / ms * 1e3);
  }
}

bool validate_vit(cuda::DeviceModel& dev, const VitConfig& cfg, const std::vector<float>& params) {
  VitModel cpu;
  if (!ok(vit_init(&cpu, cfg), "bench vit_init")) return false;
  const int64_t vb = 2, c = cfg.hidden, t = cpu.t;
  cpu.params = const_cast<float*>(params.data());
  const auto pixels = random_vector(vb * cfg.channels * cfg.image_size * cfg.image_size, 47);
  std::vector<float> last(vb * t * c), last_got(last.size());
  if (!ok(vit_forward(cpu, last.data(), nullptr, pixels.data(), vb, false), "cpu vit_forward") ||
      !ok(cuda::vit_forward(dev, last_got.data(), nullptr, pixels.data(), vb, false), "vit_forward")) {
    return false;
  }
  return check_nmse(last_got, last, 1e-6, "vit last_hidden");
}

void bench_vit(const ModelSizes& s) {
  if (!wanted("vit_b16_forward")) return;
  const VitConfig& cfg = s.vit;
  Owned dev;
  if (!ok(cuda::vit_create(&dev.m, cfg), "vit_create")) return;
  cuda::DeviceModel& m = *dev.m;
  const int64_t n = cuda::num_params(m), b = s.b, c = cfg.hidden, g = cfg.image_size / cfg.patch, t = g * g + 1;
  std::vector<float> params(n);
  if (!ok(param_init(params.data(), cuda::table(m), 2, 0.02f), "param_init") ||
      !ok(cuda::upload_params(m, params.data(), n), "upload_params") || !validate_vit(m, cfg, params)) {
    return;
  }
  const auto pixels = random_vector(b * cfg.channels * cfg.image_size * cfg.image_size, 48);
  std::vector<float> last(b * t * c);
  const double ms = time_gpu([&] {
    ok(cuda::vit_forward(m, last.data(), nullptr, pixels.data(), b, false), "vit_forward");
  }, 2 * s.reps);
  const std::string shape = "L=" + std::to_string(cfg.layers) + " C=" + std::to_string(c) + " " +
                            std::to_string(cfg.image_size) + "px/" + std::to_string(cfg.patch) + " B=" +
                            std::to_string(b) + ", host I/O";
  report("vit_b16_forward", shape, ms, nullptr, 0.0, "images/s", static_cast<double>(b) / ms * 1e3);
}

}  // namespace

void bench_models(bool tiny) {
  const ModelSizes s = model_sizes(tiny);
  bench_bert(s);
  bench_vit(s);
}

}  // namespace shapca_bench
