// Embedding, AdamW and the gradient norm against the CPU.
#include <cmath>
#include <string>

#include "cuda/adamw.h"
#include "cuda/embedding.h"
#include "harness.h"
#include "kernels/adamw.h"
#include "kernels/embedding.h"

using namespace shapca;
using namespace shapca::cuda_test;

TEST("embedding: forward and backward (repeated ids add up) match the CPU") {
  const int64_t vocab = 50, c = 67, n_ids = 301;
  std::vector<int32_t> ids(n_ids);
  for (int64_t i = 0; i < n_ids; ++i) ids[i] = static_cast<int32_t>((i * 13 + i / 7) % 11);  // many repeats
  ids[5] = 49;
  auto table = random_vector(vocab * c, 1), g = random_vector(n_ids * c, 2), d0 = random_vector(vocab * c, 3);
  std::vector<float> out(n_ids * c), dwant = d0;
  CHECK_OK(embedding_forward(out.data(), ids.data(), table.data(), n_ids, vocab, c));
  CHECK_OK(embedding_backward(dwant.data(), g.data(), ids.data(), n_ids, vocab, c));
  auto did = UP(ids);
  auto dt = UP(table), dg = UP(g), dd = UP(d0);
  cuda::DeviceBuffer<float> dout;
  CHECK_OK(dout.allocate(n_ids * c));
  CHECK_OK(cuda::embedding_forward(dout.data(), did.data(), dt.data(), n_ids, vocab, c));
  CHECK_OK(cuda::embedding_backward(dd.data(), dg.data(), did.data(), n_ids, vocab, c));
  CHECK_NMSE(DOWN(dout).data(), out.data(), out.size(), 0.0, "embedding forward");
  CHECK_NMSE(DOWN(dd).data(), dwant.data(), dwant.size(), 1e-12, "embedding backward");
}

TEST("embedding: an id outside the table is out_of_range naming it, and nothing is written") {
  const int64_t vocab = 10, c = 4, n_ids = 6;
  std::vector<int32_t> ids = {1, 2, 3, 10, -1, 4};
  auto table = random_vector(vocab * c, 1);
  std::vector<float> zeros(vocab * c, 0.0f);
  auto did = UP(ids);
  auto dt = UP(table), dd = UP(zeros), g = UP(random_vector(n_ids * c, 2));
  cuda::DeviceBuffer<float> out;
  CHECK_OK(out.allocate(n_ids * c));
  CHECK_STATUS(cuda::embedding_forward(out.data(), did.data(), dt.data(), n_ids, vocab, c), Status::out_of_range);
  CHECK(std::string(last_error()).find("ids[3] = 10") != std::string::npos);
  CHECK_STATUS(cuda::embedding_backward(dd.data(), g.data(), did.data(), n_ids, vocab, c), Status::out_of_range);
  CHECK_NMSE(DOWN(dd).data(), zeros.data(), zeros.size(), 0.0, "untouched dtable");
}

TEST("adamw: steps match the CPU (weight decay, grad scale, bias correction)") {
  const int64_t n = 70001;
  auto p = random_vector(n, 1), m = random_vector(n, 2, 0.1f), v = random_vector(n, 3, 0.1f);
  for (float& x : v) x = std::fabs(x);
  auto dp = UP(p), dm = UP(m), dv = UP(v);
  for (int64_t step = 1; step <= 3; ++step) {
    auto g = random_vector(n, 10 + step);
    AdamWConfig cfg;
    cfg.lr = 1e-3f;
    cfg.weight_decay = 0.01f;
    cfg.step = step;
    cfg.grad_scale = 0.5f;
    CHECK_OK(adamw_step(p.data(), g.data(), m.data(), v.data(), n, cfg));
    auto dg = UP(g);
    CHECK_OK(cuda::adamw_step(dp.data(), dg.data(), dm.data(), dv.data(), n, cfg));
  }
  CHECK_NMSE(DOWN(dp).data(), p.data(), n, 1e-12, "adamw params");
  CHECK_NMSE(DOWN(dm).data(), m.data(), n, 1e-12, "adamw m");
  CHECK_NMSE(DOWN(dv).data(), v.data(), n, 1e-12, "adamw v");
}

TEST("grad_norm: matches the CPU from 1 to 10^6 values") {
  for (int64_t n : {1, 255, 257, 100000, 1000003}) {
    auto g = random_vector(n, n, 3.0f);
    double want = 0.0, got = -1.0;
    CHECK_OK(grad_norm(g.data(), n, &want));
    auto dg = UP(g);
    CHECK_OK(cuda::grad_norm(dg.data(), n, &got));
    CHECK(std::fabs(got - want) <= 1e-6 * want);  // the CPU's AVX2 path sums blocks of 4096 in float
  }
  double zero = -1.0;
  CHECK_OK(cuda::grad_norm(nullptr, 0, &zero));
  CHECK(zero == 0.0);
}

HOST_TEST("adamw, embedding: bad configurations are errors before any device work") {
  float* fake = reinterpret_cast<float*>(64);
  AdamWConfig cfg;
  cfg.step = 0;
  CHECK_STATUS(cuda::adamw_step(fake, fake, fake, fake, 4, cfg), Status::invalid_argument);
  cfg.step = 1;
  cfg.beta1 = 1.0f;
  CHECK_STATUS(cuda::adamw_step(fake, fake, fake, fake, 4, cfg), Status::invalid_argument);
  CHECK_STATUS(cuda::embedding_forward(fake, nullptr, fake, 3, 10, 4), Status::invalid_argument);
  CHECK_STATUS(cuda::embedding_backward(fake, fake, reinterpret_cast<int32_t*>(64), -1, 10, 4), Status::invalid_argument);
  double norm = 0.0;
  CHECK_STATUS(cuda::grad_norm(nullptr, 3, &norm), Status::invalid_argument);
}
