#include <string>

#include "core/thread_pool.h"
#include "harness.h"
#include "kernels/gemm.h"

using namespace shapca;
using namespace shapca::test;

namespace {

// Plain triple loop in double: the reference every sgemm variant is checked against.
void naive_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const float* bias) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0.0;
      for (int64_t p = 0; p < k; ++p) {
        double av = ta ? a[p * lda + i] : a[i * lda + p];
        double bv = tb ? b[j * ldb + p] : b[p * ldb + j];
        acc += av * bv;
      }
      double base = beta == 0.0f ? 0.0 : static_cast<double>(beta) * c[i * ldc + j];
      c[i * ldc + j] = static_cast<float>(alpha * acc + base + (bias ? bias[j] : 0.0f));
    }
  }
}

void check_case(bool ta, bool tb, int64_t m, int64_t n, int64_t k, int64_t pad, float alpha, float beta, bool bias,
                const std::string& label) {
  const int64_t lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
  auto a = random_vector(static_cast<size_t>((ta ? k : m) * lda), 1);
  auto b = random_vector(static_cast<size_t>((tb ? n : k) * ldb), 2);
  auto c0 = random_vector(static_cast<size_t>(m * ldc), 3);
  auto bv = random_vector(static_cast<size_t>(n), 4);
  auto expect = c0, got = c0;
  naive_gemm(ta, tb, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, expect.data(), ldc, bias ? bv.data() : nullptr);
  Status s = sgemm(ta, tb, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, got.data(), ldc, bias ? bv.data() : nullptr);
  CHECK_MSG(s == Status::ok, label + ": " + last_error());
  // Each product is a sum of k terms of size ≤ 1: error grows like sqrt(k)·eps.
  CHECK_CLOSE(got.data(), expect.data(), got.size(), 2e-6 * (1.0 + static_cast<double>(k)), 1e-5, label);
}

}  // namespace

TEST("sgemm: every transposition on odd sizes, both paths, 1-3 threads") {
  // tall shapes split into several row blocks per thread
  // k over the AVX-512 kernel's K block (768): the first block stores, the next ones accumulate
  const int64_t sizes[][3] = {{1, 1, 1},       {7, 7, 7},      {33, 17, 9},   {5, 40, 300},  {257, 33, 65},
                              {64, 257, 7},    {150, 160, 520}, {700, 33, 300}, {1000, 70, 90}, {29, 45, 1700}};
  for_each_path([&](KernelPath path) {
    for (int threads : {1, 2, 3}) {
      ThreadPool::global().set_threads(threads);
      for (auto& sz : sizes) {
        for (int t = 0; t < 4; ++t) {
          bool ta = t & 1, tb = t & 2;
          std::string label = std::string(kernel_path_name(path)) + " threads=" + std::to_string(threads) +
                              " ta=" + std::to_string(ta) + " tb=" + std::to_string(tb) + " " + std::to_string(sz[0]) +
                              "x" + std::to_string(sz[1]) + "x" + std::to_string(sz[2]);
          check_case(ta, tb, sz[0], sz[1], sz[2], 0, 1.0f, 0.0f, false, label);
        }
      }
    }
  });
  ThreadPool::global().set_threads(0);
}

TEST("sgemm: strides, alpha, beta, bias and accumulate") {
  for_each_path([&](KernelPath path) {
    std::string p = kernel_path_name(path);
    check_case(false, false, 37, 29, 41, 5, 0.5f, 1.0f, true, p + " strided accumulate + bias");
    check_case(true, true, 37, 29, 41, 3, -2.0f, 0.25f, false, p + " strided beta=0.25");
    check_case(true, false, 300, 200, 100, 1, 1.0f, 1.0f, true, p + " large strided");
    check_case(false, true, 6, 16, 0, 0, 1.0f, 0.5f, true, p + " k=0 keeps beta*C + bias");
    // A not transposed with alpha = 1: the AVX-512 kernel reads A where it lies, at its stride
    check_case(false, true, 37, 45, 1000, 3, 1.0f, 0.0f, true, p + " strided beta=0 + bias over two K blocks");
    // beta = 1: the first K block's store adds C and the bias (the residual adds of inference)
    check_case(false, true, 37, 45, 1000, 3, 1.0f, 1.0f, true, p + " strided beta=1 + bias over two K blocks");
    check_case(false, true, 25, 64, 100, 0, 1.0f, 1.0f, false, p + " beta=1, no bias, one K block");
    check_case(false, false, 50, 70, 130, 7, 1.0f, 1.0f, true, p + " strided accumulate, A in place");
    check_case(true, false, 13, 70, 800, 2, 1.0f, 0.0f, false, p + " strided beta=0 over two K blocks");
  });
}

TEST("sgemm_act: the activation on each finished tile equals sgemm then the activation") {
  // odd tiles, one and several K blocks, beta 0 (the fused first block) and not, 1-3 threads
  const int64_t sizes[][3] = {{13, 45, 37}, {50, 70, 1700}, {100, 33, 800}, {25, 64, 5}};
  for_each_path([&](KernelPath path) {
    for (int threads : {1, 2, 3}) {
      ThreadPool::global().set_threads(threads);
      for (auto& sz : sizes) {
        const int64_t m = sz[0], n = sz[1], k = sz[2];
        auto a = random_vector(static_cast<size_t>(m * k), 21), b = random_vector(static_cast<size_t>(n * k), 22);
        auto c0 = random_vector(static_cast<size_t>(m * n), 23), bias = random_vector(static_cast<size_t>(n), 24);
        for (Activation act : {Activation::gelu, Activation::quick_gelu}) {
          for (float beta : {0.0f, 0.5f}) {
            auto plain = c0, fused = c0;
            CHECK(sgemm(false, true, m, n, k, 1.0f, a.data(), k, b.data(), k, beta, plain.data(), n, bias.data()) ==
                  Status::ok);
            CHECK(activation_forward(act, plain.data(), plain.data(), m * n) == Status::ok);
            CHECK(sgemm_act(false, true, m, n, k, 1.0f, a.data(), k, b.data(), k, beta, fused.data(), n, bias.data(),
                            act) == Status::ok);
            CHECK_CLOSE(fused.data(), plain.data(), fused.size(), 0.0, 0.0,
                        std::string(kernel_path_name(path)) + " threads=" + std::to_string(threads) + " " +
                            std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k) +
                            (act == Activation::gelu ? " gelu" : " quick_gelu") + " beta=" + std::to_string(beta));
          }
        }
      }
    }
  });
  ThreadPool::global().set_threads(0);
}

TEST("sgemm_direct_lda: a stride sgemm reads in place, and the same products at it") {
  // 3072 floats (12 KiB) puts every row of a tile in one L1 set: padded to the next multiple of
  // 16 floats whose rows spread over at least 4 sets; strides that already do stay as they are.
  CHECK(sgemm_direct_lda(3072) == 3088);
  CHECK(sgemm_direct_lda(1024) == 1040 && sgemm_direct_lda(2048) == 2064);
  CHECK(sgemm_direct_lda(768) == 768 && sgemm_direct_lda(37) == 37 && sgemm_direct_lda(0) == 0);
  for (int64_t k : {64, 512, 1024, 3072}) {
    const int64_t ld = sgemm_direct_lda(k);
    CHECK(ld >= k && (ld == k || ld % 16 == 0));
  }
  // The FFN pattern of CPU inference: fc1 writes act(·) at the padded stride, fc2 reads it there;
  // the same values as dense rows, bit for bit (the same kernel, K blocks and order).
  const int64_t m = 30, c = 40, inter = 1024, ld = sgemm_direct_lda(inter);
  auto x = random_vector(static_cast<size_t>(m * c), 31), w1 = random_vector(static_cast<size_t>(inter * c), 32);
  auto w2 = random_vector(static_cast<size_t>(c * inter), 33), b1 = random_vector(static_cast<size_t>(inter), 34);
  for_each_path([&](KernelPath path) {
    std::vector<float> dense(m * inter), padded(m * ld, -1.0f), y_dense(m * c), y_padded(m * c);
    CHECK(sgemm_act(false, true, m, inter, c, 1.0f, x.data(), c, w1.data(), c, 0.0f, dense.data(), inter, b1.data(),
                    Activation::gelu) == Status::ok);
    CHECK(sgemm_act(false, true, m, inter, c, 1.0f, x.data(), c, w1.data(), c, 0.0f, padded.data(), ld, b1.data(),
                    Activation::gelu) == Status::ok);
    CHECK(sgemm(false, true, m, c, inter, 1.0f, dense.data(), inter, w2.data(), inter, 0.0f, y_dense.data(), c, nullptr) ==
          Status::ok);
    CHECK(sgemm(false, true, m, c, inter, 1.0f, padded.data(), ld, w2.data(), inter, 0.0f, y_padded.data(), c, nullptr) ==
          Status::ok);
    CHECK_CLOSE(y_padded.data(), y_dense.data(), y_dense.size(), 0.0, 0.0, std::string(kernel_path_name(path)) + " fc2");
    for (int64_t i = 0; i < m; ++i) CHECK(padded[i * ld + inter] == -1.0f);  // the padding is not written
  });
}

TEST("sgemm: beta = 0 ignores NaN already in C") {
  std::vector<float> a(4, 1.0f), b(4, 1.0f), c(4, NAN);
  CHECK(sgemm(false, false, 2, 2, 2, 1.0f, a.data(), 2, b.data(), 2, 0.0f, c.data(), 2, nullptr) == Status::ok);
  for (float v : c) CHECK(v == 2.0f);
}

TEST("sgemm: bad sizes and strides are errors, not crashes") {
  std::vector<float> a(16), b(16), c(16);
  CHECK(sgemm(false, false, -1, 2, 2, 1.0f, a.data(), 2, b.data(), 2, 0.0f, c.data(), 2, nullptr) ==
        Status::invalid_argument);
  CHECK(sgemm(false, false, 2, 2, 4, 1.0f, a.data(), 2, b.data(), 2, 0.0f, c.data(), 2, nullptr) ==
        Status::invalid_argument);
  CHECK(std::string(last_error()).find("lda") != std::string::npos);
  CHECK(sgemm(false, false, 2, 2, 2, 1.0f, nullptr, 2, b.data(), 2, 0.0f, c.data(), 2, nullptr) ==
        Status::invalid_argument);
  CHECK(sgemm(false, false, 0, 2, 2, 1.0f, nullptr, 2, nullptr, 2, 0.0f, nullptr, 2, nullptr) == Status::ok);
}

TEST("matmul backward matches finite differences") {
  const int64_t bt = 5, c = 7, oc = 6;
  auto inp = random_vector(bt * c, 11), w = random_vector(oc * c, 12), bias = random_vector(oc, 13);
  auto probe = random_vector(bt * oc, 14);  // L = Σ probe ⊙ out
  auto loss = [&](const std::vector<float>& x, const std::vector<float>& wt, const std::vector<float>& bs) {
    std::vector<float> out(bt * oc);
    matmul_forward(out.data(), x.data(), wt.data(), bs.data(), bt, c, oc);
    double l = 0.0;
    for (size_t i = 0; i < out.size(); ++i) l += static_cast<double>(probe[i]) * out[i];
    return l;
  };
  std::vector<float> dinp(bt * c, 0.0f), dw(oc * c, 0.0f), db(oc, 0.0f);
  CHECK(matmul_backward(dinp.data(), dw.data(), db.data(), probe.data(), inp.data(), w.data(), bt, c, oc) == Status::ok);
  const float h = 1e-2f;
  auto fd = [&](std::vector<float>& x, size_t i) {
    float keep = x[i];
    x[i] = keep + h;
    double up = loss(inp, w, bias);
    x[i] = keep - h;
    double down = loss(inp, w, bias);
    x[i] = keep;
    return static_cast<float>((up - down) / (2 * h));
  };
  std::vector<float> n_inp(dinp.size()), n_w(dw.size()), n_b(db.size());
  for (size_t i = 0; i < inp.size(); ++i) n_inp[i] = fd(inp, i);
  for (size_t i = 0; i < w.size(); ++i) n_w[i] = fd(w, i);
  for (size_t i = 0; i < bias.size(); ++i) n_b[i] = fd(bias, i);
  CHECK_CLOSE(dinp.data(), n_inp.data(), dinp.size(), 1e-3, 1e-3, "dinp");
  CHECK_CLOSE(dw.data(), n_w.data(), dw.size(), 1e-3, 1e-3, "dweight");
  CHECK_CLOSE(db.data(), n_b.data(), db.size(), 1e-3, 1e-3, "dbias");
}
