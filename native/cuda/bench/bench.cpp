// The CUDA benchmark (docs/ARCHITECTURE.md, "Benchmarks"): SGEMM at BERT-base shapes (cuBLAS when
// built with it, and the tiled kernel), attention, softmax, LayerNorm, GELU, AdamW over BERT-base's
// parameter count, the Shap-CA loss at k=64, d=768, M=16 with the CPU kernel as the peer in the
// same run, and the device models (bench_models.cpp: BERT-base forward, forward+backward and a
// training step, ViT-B/16 forward). Each case validates its result first, warms up, times
// repetitions with CUDA events and reports the median. One JSON object per line:
//   {"bench","shape","ours_ms","peer","peer_ms","ratio","unit","value"}   (ratio = peer_ms/ours_ms)
//   shapca_cuda_bench [--tiny] [FILTER]     (--tiny: the model cases at a toy size, for the emulator)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "core/rng.h"
#include "cuda/adamw.h"
#include "cuda/attention.h"
#include "cuda/contrastive.h"
#include "cuda/cuda_status.h"
#include "cuda/device_buffer.h"
#include "cuda/gelu.h"
#include "cuda/gemm.h"
#include "cuda/layernorm.h"
#include "cuda/probe.h"
#include "cuda/softmax.h"
#include "bench.h"
#include "kernels/contrastive.h"

using namespace shapca;

namespace shapca_bench {

const char* g_filter = nullptr;
int g_failures = 0;

std::vector<float> random_vector(size_t n, uint64_t seed, float scale) {
  CounterRng rng(seed, 0);
  std::vector<float> v(n);
  for (float& x : v) x = (rng.next_uniform() * 2.0f - 1.0f) * scale;
  return v;
}

bool ok(Status s, const char* what) {
  if (s == Status::ok) return true;
  std::fprintf(stderr, "%s: %s: %s\n", what, status_code(s), last_error());
  ++g_failures;
  return false;
}

// Median milliseconds of fn over reps runs after warm-up, timed with CUDA events.
double time_gpu(const std::function<void()>& fn, int reps) {
  for (int i = 0; i < 3; ++i) fn();
  cudaEvent_t start, stop;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    cudaEventRecord(start);
    fn();
    cudaEventRecord(stop);
    cudaEventSynchronize(stop);
    float t = 0.0f;
    cudaEventElapsedTime(&t, start, stop);
    ms.push_back(t);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  ok(cuda::synchronize("benchmark"), "benchmark");
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

double time_cpu(const std::function<void()>& fn, int reps) {
  fn();
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    fn();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

bool wanted(const std::string& bench) { return g_filter == nullptr || bench.find(g_filter) != std::string::npos; }

void report(const std::string& bench, const std::string& shape, double ours_ms, const char* peer, double peer_ms,
            const char* unit, double value) {
  char ratio[32] = "null", peer_buf[32] = "null";
  if (peer_ms > 0.0) {
    std::snprintf(ratio, sizeof ratio, "%.3f", peer_ms / ours_ms);
    std::snprintf(peer_buf, sizeof peer_buf, "%.4f", peer_ms);
  }
  std::printf("{\"bench\":\"%s\",\"shape\":\"%s\",\"ours_ms\":%.4f,\"peer\":%s%s%s,\"peer_ms\":%s,\"ratio\":%s,"
              "\"unit\":\"%s\",\"value\":%.2f}\n",
              bench.c_str(), shape.c_str(), ours_ms, peer ? "\"" : "", peer ? peer : "null", peer ? "\"" : "",
              peer_buf, ratio, unit, value);
  std::fflush(stdout);
}

}  // namespace shapca_bench

using namespace shapca_bench;

namespace {

cuda::DeviceBuffer<float> device(const std::vector<float>& h) {
  cuda::DeviceBuffer<float> d;
  ok(d.upload(h.data(), h.size()), "upload");
  return d;
}

cuda::DeviceBuffer<float> device_zeros(size_t n) {
  cuda::DeviceBuffer<float> d;
  ok(d.zeros(n), "allocate");
  return d;
}

// op(A)·op(B) sampled against a double-precision dot product on the host.
bool validate_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const std::vector<float>& a,
                   const std::vector<float>& b, const cuda::DeviceBuffer<float>& c, const char* what) {
  std::vector<float> got(m * n);
  if (!ok(c.download(got.data(), got.size()), what)) return false;
  CounterRng rng(5, 5);
  for (int s = 0; s < 64; ++s) {
    const int64_t i = rng.next_below(static_cast<uint32_t>(m)), j = rng.next_below(static_cast<uint32_t>(n));
    double want = 0.0, norm = 0.0;
    for (int64_t p = 0; p < k; ++p) {
      const double x = ta ? a[p * m + i] : a[i * k + p], y = tb ? b[j * k + p] : b[p * n + j];
      want += x * y;
      norm += std::fabs(x * y);
    }
    if (std::fabs(got[i * n + j] - want) > 1e-4 * norm + 1e-5) {
      std::fprintf(stderr, "%s: C[%lld,%lld] = %g, expected %g\n", what, static_cast<long long>(i),
                   static_cast<long long>(j), got[i * n + j], want);
      ++g_failures;
      return false;
    }
  }
  return true;
}

void bench_gemm() {
  struct Shape {
    const char* name;
    bool ta, tb;
    int64_t m, n, k;
  };
  // BERT-base, 32 sequences of 128 tokens: 4096 rows of 768.
  const Shape shapes[] = {{"qkv", false, true, 4096, 2304, 768},      {"attn_proj", false, true, 4096, 768, 768},
                          {"ffn_up", false, true, 4096, 3072, 768},   {"ffn_down", false, true, 4096, 768, 3072},
                          {"ffn_down_dinp", false, false, 4096, 3072, 768}, {"ffn_up_dweight", true, false, 3072, 768, 4096}};
  for (const Shape& s : shapes) {
    for (int tiled = 0; tiled < 2; ++tiled) {
      if (tiled == 0 && !cuda::have_cublas()) continue;
      const std::string bench = std::string(tiled ? "sgemm_tiled_" : "sgemm_cublas_") + s.name;
      if (!wanted(bench)) continue;
      auto a = random_vector(s.m * s.k, 1), b = random_vector(s.k * s.n, 2);
      auto da = device(a), db = device(b), dc = device_zeros(s.m * s.n);
      const int64_t lda = s.ta ? s.m : s.k, ldb = s.tb ? s.k : s.n;
      auto run = [&] {
        if (tiled) {
          ok(cuda::sgemm_tiled(s.ta, s.tb, s.m, s.n, s.k, 1.0f, da.data(), lda, db.data(), ldb, 0.0f, dc.data(), s.n, nullptr),
             bench.c_str());
        } else {
          ok(cuda::sgemm(s.ta, s.tb, s.m, s.n, s.k, 1.0f, da.data(), lda, db.data(), ldb, 0.0f, dc.data(), s.n, nullptr),
             bench.c_str());
        }
      };
      run();
      if (!validate_gemm(s.ta, s.tb, s.m, s.n, s.k, a, b, dc, bench.c_str())) continue;
      const double ms = time_gpu(run);
      const std::string shape = std::to_string(s.m) + "x" + std::to_string(s.n) + "x" + std::to_string(s.k) +
                                (s.ta ? " At" : "") + (s.tb ? " Bt" : "");
      report(bench, shape, ms, nullptr, 0.0, "GFLOP/s", 2.0 * s.m * s.n * s.k / (ms * 1e6));
    }
  }
}

void bench_rows() {
  const int64_t b = 32, t = 128, c = 768, nh = 12, ff = 3072;
  if (wanted("softmax")) {
    const int64_t rows = b * nh * t, cols = t;
    auto x = device(random_vector(rows * cols, 3, 4.0f)), y = device_zeros(rows * cols), dx = device_zeros(rows * cols);
    const double fwd = time_gpu([&] { ok(cuda::softmax_forward(y.data(), x.data(), nullptr, rows, cols, 0.125f), "softmax"); });
    report("softmax_forward", std::to_string(rows) + "x" + std::to_string(cols), fwd, nullptr, 0.0, "GB/s",
           2.0 * rows * cols * 4 / (fwd * 1e6));
    const double bwd = time_gpu([&] { ok(cuda::softmax_backward(dx.data(), x.data(), y.data(), rows, cols, 0.125f), "softmax"); });
    report("softmax_backward", std::to_string(rows) + "x" + std::to_string(cols), bwd, nullptr, 0.0, "GB/s",
           4.0 * rows * cols * 4 / (bwd * 1e6));
  }
  if (wanted("layernorm")) {
    const int64_t n = b * t;
    auto x = device(random_vector(n * c, 4)), w = device(random_vector(c, 5)), bias = device(random_vector(c, 6));
    auto y = device_zeros(n * c), mean = device_zeros(n), rstd = device_zeros(n), dx = device_zeros(n * c);
    auto dw = device_zeros(c), db = device_zeros(c);
    const double fwd = time_gpu([&] {
      ok(cuda::layernorm_forward(y.data(), mean.data(), rstd.data(), x.data(), w.data(), bias.data(), n, c, 1e-12f), "layernorm");
    });
    report("layernorm_forward", std::to_string(n) + "x" + std::to_string(c), fwd, nullptr, 0.0, "GB/s", 2.0 * n * c * 4 / (fwd * 1e6));
    const double bwd = time_gpu([&] {
      ok(cuda::layernorm_backward(dx.data(), dw.data(), db.data(), y.data(), x.data(), w.data(), mean.data(), rstd.data(), n, c),
         "layernorm");
    });
    report("layernorm_backward", std::to_string(n) + "x" + std::to_string(c), bwd, nullptr, 0.0, "GB/s", 4.0 * n * c * 4 / (bwd * 1e6));
  }
  if (wanted("gelu")) {
    const int64_t n = b * t * ff;
    auto x = device(random_vector(n, 7)), y = device_zeros(n), dx = device_zeros(n);
    const double fwd = time_gpu([&] { ok(cuda::gelu_forward(y.data(), x.data(), n), "gelu"); });
    report("gelu_forward", std::to_string(n), fwd, nullptr, 0.0, "GB/s", 2.0 * n * 4 / (fwd * 1e6));
    const double bwd = time_gpu([&] { ok(cuda::gelu_backward(dx.data(), x.data(), y.data(), n), "gelu"); });
    report("gelu_backward", std::to_string(n), bwd, nullptr, 0.0, "GB/s", 4.0 * n * 4 / (bwd * 1e6));
  }
  if (wanted("attention")) {
    auto qkv = device(random_vector(b * t * 3 * c, 8)), out = device_zeros(b * t * c), att = device_zeros(b * nh * t * t);
    auto dout = device(random_vector(b * t * c, 9)), dqkv = device_zeros(b * t * 3 * c);
    const std::string shape = "B=32 T=128 C=768 NH=12";
    const double fwd = time_gpu([&] { ok(cuda::attention_forward(out.data(), att.data(), qkv.data(), nullptr, b, t, c, nh), "attention"); });
    const double flops = 4.0 * b * nh * t * t * (c / nh);
    report("attention_forward", shape, fwd, nullptr, 0.0, "GFLOP/s", flops / (fwd * 1e6));
    const double bwd = time_gpu([&] {
      ok(cuda::attention_backward(dqkv.data(), dout.data(), qkv.data(), att.data(), b, t, c, nh), "attention");
    });
    report("attention_backward", shape, bwd, nullptr, 0.0, "GFLOP/s", 2.0 * flops / (bwd * 1e6));
  }
  if (wanted("adamw")) {
    const int64_t n = 110'000'000;  // BERT-base's parameters
    auto p = device_zeros(n), g = device(random_vector(n, 10)), m = device_zeros(n), v = device_zeros(n);
    AdamWConfig cfg;
    const double ms = time_gpu([&] { ok(cuda::adamw_step(p.data(), g.data(), m.data(), v.data(), n, cfg), "adamw"); }, 10);
    report("adamw_step", "110M", ms, nullptr, 0.0, "GB/s", 7.0 * n * 4 / (ms * 1e6));
    double norm = 0.0;
    const double nms = time_gpu([&] { ok(cuda::grad_norm(g.data(), n, &norm), "grad_norm"); }, 10);
    report("grad_norm", "110M", nms, nullptr, 0.0, "GB/s", 1.0 * n * 4 / (nms * 1e6));
  }
}

void bench_shapley() {
  const int64_t k = 64, d = 768;
  const ShapleyUtility utilities[] = {ShapleyUtility::softmax_expectation, ShapleyUtility::cosine_sum, ShapleyUtility::mean};
  for (ShapleyUtility u : utilities) {
    const std::string bench = std::string("shapca_loss_") + shapley_utility_name(u);
    if (!wanted(bench)) continue;
    ShapleyConfig cfg;
    cfg.utility = u;
    cfg.permutations = 16;
    auto p = random_vector(k * d, 11), t = random_vector(k * d, 12);
    std::vector<float> cdp(k * d, 0.0f), cdt(k * d, 0.0f), gdp(k * d);
    auto dp = device(p), dt = device(t), ddp = device_zeros(k * d), ddt = device_zeros(k * d);
    double cpu_loss = 0.0, gpu_loss = 0.0;
    ok(shapca_loss(&cpu_loss, nullptr, cdp.data(), cdt.data(), p.data(), t.data(), k, d, cfg, 0.07f), "cpu shapca_loss");
    ok(cuda::shapca_loss(&gpu_loss, nullptr, ddp.data(), ddt.data(), dp.data(), dt.data(), k, d, cfg, 0.07f), bench.c_str());
    ok(ddp.download(gdp.data(), gdp.size()), "download");
    double err = 0.0, norm = 0.0;
    for (int64_t i = 0; i < k * d; ++i) err += (gdp[i] - cdp[i]) * (gdp[i] - cdp[i]), norm += cdp[i] * cdp[i];
    if (std::fabs(gpu_loss - cpu_loss) > 1e-4 * (1.0 + std::fabs(cpu_loss)) || !(err <= 1e-8 * norm)) {
      std::fprintf(stderr, "%s: GPU loss %.8g vs CPU %.8g, gradient NMSE %.3g\n", bench.c_str(), gpu_loss, cpu_loss,
                   norm > 0 ? err / norm : err);
      ++g_failures;
      continue;
    }
    const double ms = time_gpu([&] {
      ok(cuda::shapca_loss(&gpu_loss, nullptr, ddp.data(), ddt.data(), dp.data(), dt.data(), k, d, cfg, 0.07f), bench.c_str());
    });
    const double cpu_ms = time_cpu([&] {
      ok(shapca_loss(&cpu_loss, nullptr, cdp.data(), cdt.data(), p.data(), t.data(), k, d, cfg, 0.07f), "cpu shapca_loss");
    });
    report(bench, "k=64 d=768 M=16 fwd+bwd", ms, "shapca-cpu", cpu_ms, "losses/s", 1000.0 / ms);
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool tiny = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--tiny") == 0) {
      tiny = true;
    } else {
      g_filter = argv[i];
    }
  }
  const cuda::Probe p = cuda::probe();
  if (p.device_count == 0) {
    std::fprintf(stderr, "shapca_cuda_bench: no CUDA device found (%s)\n", p.message);
    return 2;
  }
  std::fprintf(stderr, "device: %s, SGEMM through %s\n", p.device_name, cuda::have_cublas() ? "cuBLAS" : "the tiled kernel");
  if (!tiny) {  // the kernels at full size only: the emulator's --tiny run checks the model cases
    bench_gemm();
    bench_rows();
    bench_shapley();
  }
  bench_models(tiny);
  if (g_failures > 0) std::fprintf(stderr, "shapca_cuda_bench: %d failures\n", g_failures);
  return g_failures == 0 ? 0 : 1;
}
