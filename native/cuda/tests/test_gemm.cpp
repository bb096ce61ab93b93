// SGEMM (dispatching and tiled) and the linear layer against the CPU.
#include <cmath>
#include <string>

#include "cuda/gemm.h"
#include "harness.h"
#include "kernels/gemm.h"

using namespace shapca;
using namespace shapca::cuda_test;

namespace {

constexpr double kGemmTol = 1e-10;  // FP32 sums in another order: NMSE ~1e-13 at these sizes

using GemmFn = Status (*)(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*, int64_t,
                          float, float*, int64_t, const float*, const cuda::GemmBatch&);

Status tiled_fn(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const float* bias,
                const cuda::GemmBatch& bt) {
  return cuda::sgemm_tiled(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, bt);
}

// One product of every transposition with padded strides, against shapca::sgemm.
void check_product(GemmFn fn, const char* name, int64_t m, int64_t n, int64_t k, float alpha, float beta,
                   bool with_bias) {
  for (int t = 0; t < 4; ++t) {
    const bool ta = t & 1, tb = t & 2;
    const int64_t lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 5, ldc = n + 2;
    const int64_t a_rows = ta ? k : m, b_rows = tb ? n : k;
    auto a = random_vector(a_rows * lda, 1 + m + t), b = random_vector(b_rows * ldb, 2 + n + t);
    auto c = random_vector(m * ldc, 3 + k), bias = random_vector(n, 4);
    if (beta == 0.0f) c[0] = NAN;  // beta = 0 must not read C
    std::vector<float> want = c;
    CHECK_OK(sgemm(ta, tb, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, want.data(), ldc,
                   with_bias ? bias.data() : nullptr));
    auto da = UP(a), db = UP(b), dc = UP(c), dbias = UP(bias);
    CHECK_OK(fn(ta, tb, m, n, k, alpha, da.data(), lda, db.data(), ldb, beta, dc.data(), ldc,
                with_bias ? dbias.data() : nullptr, cuda::GemmBatch{}));
    auto got = DOWN(dc);
    const std::string label = std::string(name) + " m=" + std::to_string(m) + " n=" + std::to_string(n) +
                              " k=" + std::to_string(k) + (ta ? " Aᵀ" : " A") + (tb ? " Bᵀ" : " B");
    CHECK_NMSE(got.data(), want.data(), got.size(), kGemmTol, label);
  }
}

}  // namespace

TEST("gemm: tiled kernel matches the CPU on every transposition, odd sizes, strides, alpha/beta, bias") {
  const int64_t sizes[][3] = {{1, 1, 1}, {7, 33, 5}, {33, 7, 130}, {130, 257, 65}, {257, 129, 300}, {64, 64, 64}};
  for (auto& s : sizes) {
    check_product(tiled_fn, "tiled", s[0], s[1], s[2], 1.0f, 0.0f, false);
    check_product(tiled_fn, "tiled", s[0], s[1], s[2], 0.5f, 1.0f, true);
    check_product(tiled_fn, "tiled", s[0], s[1], s[2], -1.5f, 0.25f, true);
  }
  check_product(tiled_fn, "tiled big tiles", 512, 384, 96, 1.0f, 0.0f, true);
}

TEST("gemm: sgemm (cuBLAS when built with it) matches the CPU") {
  const int64_t sizes[][3] = {{1, 1, 1}, {7, 33, 5}, {130, 257, 65}, {300, 200, 100}};
  for (auto& s : sizes) {
    check_product(cuda::sgemm_batched, "sgemm", s[0], s[1], s[2], 1.0f, 0.0f, false);
    check_product(cuda::sgemm_batched, "sgemm", s[0], s[1], s[2], 0.75f, 0.5f, true);
  }
}

TEST("gemm: k = 0 and alpha = 0 leave beta·C + bias") {
  const int64_t m = 5, n = 9;
  auto c = random_vector(m * n, 7), bias = random_vector(n, 8);
  for (int64_t k : {0, 4}) {
    auto a = random_vector(m * 4, 9), b = random_vector(4 * n, 10);
    std::vector<float> want = c;
    CHECK_OK(sgemm(false, false, m, n, k, k == 0 ? 1.0f : 0.0f, a.data(), 4, b.data(), n, 0.5f, want.data(), n, bias.data()));
    auto da = UP(a), db = UP(b), dc = UP(c), dbias = UP(bias);
    CHECK_OK(cuda::sgemm(false, false, m, n, k, k == 0 ? 1.0f : 0.0f, da.data(), 4, db.data(), n, 0.5f, dc.data(), n,
                         dbias.data()));
    auto got = DOWN(dc);
    CHECK_NMSE(got.data(), want.data(), got.size(), 1e-14, "k=" + std::to_string(k));
  }
}

TEST("gemm: two-level batches match one CPU product per (outer, inner)") {
  // The attention layout: q, k thirds of a (B, T, 3C) buffer, per head columns h·hs.
  const int64_t b = 3, t = 37, nh = 4, hs = 16, c = nh * hs, ld = 3 * c;
  auto qkv = random_vector(b * t * ld, 11);
  std::vector<float> want(b * nh * t * t);
  for (int64_t bi = 0; bi < b; ++bi) {
    for (int64_t h = 0; h < nh; ++h) {
      const float* q = qkv.data() + bi * t * ld + h * hs;
      CHECK_OK(sgemm(false, true, t, t, hs, 0.25f, q, ld, q + c, ld, 0.0f, want.data() + (bi * nh + h) * t * t, t, nullptr));
    }
  }
  auto dqkv = UP(qkv);
  cuda::DeviceBuffer<float> dout;
  CHECK_OK(dout.zeros(want.size()));
  cuda::GemmBatch bt{b, nh, t * ld, hs, t * ld, hs, nh * t * t, t * t};
  for (int path = 0; path < 2; ++path) {
    const float* q = dqkv.data();
    if (path == 0) {
      CHECK_OK(cuda::sgemm_batched(false, true, t, t, hs, 0.25f, q, ld, q + c, ld, 0.0f, dout.data(), t, nullptr, bt));
    } else {
      CHECK_OK(cuda::sgemm_tiled(false, true, t, t, hs, 0.25f, q, ld, q + c, ld, 0.0f, dout.data(), t, nullptr, bt));
    }
    auto got = DOWN(dout);
    CHECK_NMSE(got.data(), want.data(), got.size(), kGemmTol, path == 0 ? "batched sgemm" : "batched tiled");
  }
}

TEST("gemm: matmul forward and backward match the CPU (dinp, dweight, dbias accumulate)") {
  const int64_t bt = 301, c = 96, oc = 130;
  auto inp = random_vector(bt * c, 21), w = random_vector(oc * c, 22), bias = random_vector(oc, 23);
  auto dout = random_vector(bt * oc, 24);
  auto dinp0 = random_vector(bt * c, 25), dw0 = random_vector(oc * c, 26), db0 = random_vector(oc, 27);
  std::vector<float> out(bt * oc), dinp = dinp0, dw = dw0, db = db0;
  CHECK_OK(matmul_forward(out.data(), inp.data(), w.data(), bias.data(), bt, c, oc));
  CHECK_OK(matmul_backward(dinp.data(), dw.data(), db.data(), dout.data(), inp.data(), w.data(), bt, c, oc));
  auto d_inp = UP(inp), d_w = UP(w), d_bias = UP(bias), d_dout = UP(dout);
  auto d_dinp = UP(dinp0), d_dw = UP(dw0), d_db = UP(db0);
  cuda::DeviceBuffer<float> d_out;
  CHECK_OK(d_out.allocate(bt * oc));
  CHECK_OK(cuda::matmul_forward(d_out.data(), d_inp.data(), d_w.data(), d_bias.data(), bt, c, oc));
  CHECK_OK(cuda::matmul_backward(d_dinp.data(), d_dw.data(), d_db.data(), d_dout.data(), d_inp.data(), d_w.data(), bt, c, oc));
  CHECK_NMSE(DOWN(d_out).data(), out.data(), out.size(), kGemmTol, "matmul out");
  CHECK_NMSE(DOWN(d_dinp).data(), dinp.data(), dinp.size(), kGemmTol, "matmul dinp");
  CHECK_NMSE(DOWN(d_dw).data(), dw.data(), dw.size(), kGemmTol, "matmul dweight");
  CHECK_NMSE(DOWN(d_db).data(), db.data(), db.size(), kGemmTol, "matmul dbias");
}

HOST_TEST("gemm: bad sizes, strides and null pointers are errors before any device work") {
  float* fake = reinterpret_cast<float*>(64);  // never dereferenced: the checks come first
  CHECK_STATUS(cuda::sgemm(false, false, -1, 2, 2, 1.0f, fake, 2, fake, 2, 0.0f, fake, 2, nullptr), Status::invalid_argument);
  CHECK_STATUS(cuda::sgemm(false, false, 2, 2, 3, 1.0f, fake, 2, fake, 2, 0.0f, fake, 2, nullptr), Status::invalid_argument);
  CHECK_STATUS(cuda::sgemm(true, false, 4, 2, 3, 1.0f, fake, 3, fake, 2, 0.0f, fake, 2, nullptr), Status::invalid_argument);
  CHECK_STATUS(cuda::sgemm(false, false, 2, 2, 2, 1.0f, nullptr, 2, fake, 2, 0.0f, fake, 2, nullptr), Status::invalid_argument);
  CHECK_STATUS(cuda::sgemm(false, false, 2, 3, 2, 1.0f, fake, 2, fake, 3, 0.0f, fake, 2, nullptr), Status::invalid_argument);
  CHECK_STATUS(cuda::sgemm(false, false, 0, 3, 2, 1.0f, nullptr, 2, nullptr, 3, 0.0f, nullptr, 3, nullptr), Status::ok);
  cuda::GemmBatch bad;
  bad.inner = 0;
  CHECK_STATUS(cuda::sgemm_tiled(false, false, 2, 2, 2, 1.0f, fake, 2, fake, 2, 0.0f, fake, 2, nullptr, bad),
               Status::invalid_argument);
}
