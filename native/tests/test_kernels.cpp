#include <cstring>
#include <string>

#include "harness.h"
#include "kernels/adamw.h"
#include "kernels/embedding.h"
#include "kernels/gelu.h"
#include "kernels/layernorm.h"
#include "kernels/softmax.h"

using namespace shapca;
using namespace shapca::test;

namespace {

const int64_t kOddSizes[] = {1, 7, 33, 257, 1031};

using Forward = std::function<void(const std::vector<float>& x, std::vector<float>& out)>;
using Backward = std::function<void(const std::vector<float>& dout, std::vector<float>& dx)>;

// Checks backward against central differences of L = Σ probe ⊙ forward(x).
void check_finite_differences(std::vector<float> x, size_t n_out, const Forward& forward, const Backward& backward,
                              const std::string& label, float h = 1e-2f, double tol = 2e-3) {
  auto probe = random_vector(n_out, 99);
  std::vector<float> out(n_out), dx(x.size(), 0.0f), numeric(x.size());
  forward(x, out);
  backward(probe, dx);
  auto loss = [&]() {
    forward(x, out);
    double l = 0.0;
    for (size_t i = 0; i < n_out; ++i) l += static_cast<double>(probe[i]) * out[i];
    return l;
  };
  for (size_t i = 0; i < x.size(); ++i) {
    float keep = x[i];
    x[i] = keep + h;
    double up = loss();
    x[i] = keep - h;
    double down = loss();
    x[i] = keep;
    numeric[i] = static_cast<float>((up - down) / (2.0 * h));
  }
  CHECK_CLOSE(dx.data(), numeric.data(), dx.size(), tol, tol, label + " finite differences");
}

// Runs fn on every path and checks the SIMD results against the scalar one.
template <typename Fn>
void check_paths_agree(const Fn& fn, double atol, double rtol, const std::string& label) {
  std::vector<float> scalar;
  for_each_path([&](KernelPath path) {
    std::vector<float> got = fn();
    if (path == KernelPath::scalar) {
      scalar = got;
    } else {
      CHECK_CLOSE(got.data(), scalar.data(), got.size(), atol, rtol, label + " " + kernel_path_name(path) + " vs scalar");
    }
  });
}

}  // namespace

TEST("softmax: avx2 matches scalar on odd sizes, with and without mask") {
  for (int64_t cols : kOddSizes) {
    const int64_t rows = 3;
    auto x = random_vector(rows * cols, cols, 4.0f);
    std::vector<uint8_t> mask(rows * cols);
    for (size_t i = 0; i < mask.size(); ++i) mask[i] = (i * 7 % 5) != 0;
    std::fill(mask.begin(), mask.begin() + cols, uint8_t{0});  // first row fully masked
    for (bool masked : {false, true}) {
      check_paths_agree(
          [&] {
            std::vector<float> out(x.size());
            CHECK(softmax_forward(out.data(), x.data(), masked ? mask.data() : nullptr, rows, cols, 0.5f) == Status::ok);
            return out;
          },
          1e-7, 1e-5, "softmax cols=" + std::to_string(cols) + (masked ? " masked" : ""));
    }
    std::vector<float> out(x.size());
    softmax_forward(out.data(), x.data(), mask.data(), rows, cols, 0.5f);
    for (int64_t c = 0; c < cols; ++c) CHECK(out[c] == 0.0f);  // fully masked row
    for (int64_t r = 1; r < rows; ++r) {
      double s = 0.0;
      for (int64_t c = 0; c < cols; ++c) s += out[r * cols + c];
      bool any = false;
      for (int64_t c = 0; c < cols; ++c) any |= mask[r * cols + c] != 0;
      CHECK(!any || std::fabs(s - 1.0) < 1e-5);
    }
  }
}

TEST("softmax backward: finite differences, both paths") {
  const int64_t rows = 2, cols = 9;
  std::vector<uint8_t> mask(rows * cols, 1);
  mask[3] = 0;
  for_each_path([&](KernelPath path) {
    std::vector<float> y(rows * cols);
    check_finite_differences(
        random_vector(rows * cols, 5, 2.0f), rows * cols,
        [&](const std::vector<float>& x, std::vector<float>& out) {
          softmax_forward(out.data(), x.data(), mask.data(), rows, cols, 1.5f);
          y = out;
        },
        [&](const std::vector<float>& dout, std::vector<float>& dx) {
          softmax_backward(dx.data(), dout.data(), y.data(), rows, cols, 1.5f);
        },
        std::string("softmax ") + kernel_path_name(path), 1e-3f);
  });
}

TEST("layernorm: avx2 matches scalar; backward matches finite differences") {
  for (int64_t c : kOddSizes) {
    const int64_t n = 5;
    auto x = random_vector(n * c, c + 1, 3.0f), w = random_vector(c, 2), b = random_vector(c, 3);
    check_paths_agree(
        [&] {
          std::vector<float> out(n * c), mean(n), rstd(n);
          CHECK(layernorm_forward(out.data(), mean.data(), rstd.data(), x.data(), w.data(), b.data(), n, c, 1e-5f) ==
                Status::ok);
          std::vector<float> dx(n * c, 0.0f), dw(c, 0.0f), db(c, 0.0f);
          auto dy = random_vector(n * c, 77);
          CHECK(layernorm_backward(dx.data(), dw.data(), db.data(), dy.data(), x.data(), w.data(), mean.data(),
                                   rstd.data(), n, c) == Status::ok);
          out.insert(out.end(), dx.begin(), dx.end());
          out.insert(out.end(), dw.begin(), dw.end());
          out.insert(out.end(), db.begin(), db.end());
          return out;
        },
        2e-5, 2e-5, "layernorm c=" + std::to_string(c));
  }
  const int64_t n = 3, c = 11;
  auto w = random_vector(c, 21), b = random_vector(c, 22);
  for_each_path([&](KernelPath path) {
    std::vector<float> mean(n), rstd(n), xs;
    check_finite_differences(
        random_vector(n * c, 23, 2.0f), n * c,
        [&](const std::vector<float>& x, std::vector<float>& out) {
          layernorm_forward(out.data(), mean.data(), rstd.data(), x.data(), w.data(), b.data(), n, c, 1e-5f);
          xs = x;
        },
        [&](const std::vector<float>& dout, std::vector<float>& dx) {
          layernorm_backward(dx.data(), nullptr, nullptr, dout.data(), xs.data(), w.data(), mean.data(), rstd.data(),
                             n, c);
        },
        std::string("layernorm dinp ") + kernel_path_name(path), 1e-3f, 5e-3);
  });
}

TEST("gelu and quick-gelu: the AVX2 and AVX-512 kernels match scalar; backward matches finite differences") {
  for (int64_t n : kOddSizes) {
    auto x = random_vector(n, n + 3, 6.0f);
    auto dy = random_vector(n, n + 4);
    for (int quick = 0; quick < 2; ++quick) {
      check_paths_agree(
          [&] {
            std::vector<float> out(n), dx(n, 0.0f);
            CHECK((quick ? quick_gelu_forward(out.data(), x.data(), n) : gelu_forward(out.data(), x.data(), n)) ==
                  Status::ok);
            CHECK((quick ? quick_gelu_backward(dx.data(), x.data(), dy.data(), n)
                         : gelu_backward(dx.data(), x.data(), dy.data(), n)) == Status::ok);
            out.insert(out.end(), dx.begin(), dx.end());
            return out;
          },
          1e-6, 1e-5, std::string(quick ? "quick_gelu" : "gelu") + " n=" + std::to_string(n));
    }
  }
  for_each_path([&](KernelPath path) {
    for (int quick = 0; quick < 2; ++quick) {
      std::vector<float> xs;
      check_finite_differences(
          random_vector(40, 31, 4.0f), 40,
          [&](const std::vector<float>& x, std::vector<float>& out) {
            quick ? quick_gelu_forward(out.data(), x.data(), 40) : gelu_forward(out.data(), x.data(), 40);
            xs = x;
          },
          [&](const std::vector<float>& dout, std::vector<float>& dx) {
            quick ? quick_gelu_backward(dx.data(), xs.data(), dout.data(), 40)
                  : gelu_backward(dx.data(), xs.data(), dout.data(), 40);
          },
          std::string(quick ? "quick_gelu " : "gelu ") + kernel_path_name(path), 1e-3f);
    }
  });
}

TEST("embedding: lookup, accumulation of repeated ids, out-of-range id is an error") {
  const int64_t vocab = 10, c = 37;
  auto table = random_vector(vocab * c, 41);
  std::vector<int32_t> ids = {3, 0, 9, 3, 3};
  std::vector<float> out(ids.size() * c);
  CHECK(embedding_forward(out.data(), ids.data(), table.data(), ids.size(), vocab, c) == Status::ok);
  CHECK(std::memcmp(out.data() + c, table.data(), c * sizeof(float)) == 0);
  CHECK(std::memcmp(out.data() + 4 * c, table.data() + 3 * c, c * sizeof(float)) == 0);
  auto dout = random_vector(ids.size() * c, 42);
  check_paths_agree(
      [&] {
        std::vector<float> dtable(vocab * c, 0.0f);
        CHECK(embedding_backward(dtable.data(), dout.data(), ids.data(), ids.size(), vocab, c) == Status::ok);
        for (int64_t j = 0; j < c; ++j) {
          float expect = dout[0 * c + j] + dout[3 * c + j] + dout[4 * c + j];
          CHECK(std::fabs(dtable[3 * c + j] - expect) < 1e-6f);
          CHECK(dtable[5 * c + j] == 0.0f);
        }
        return dtable;
      },
      0.0, 0.0, "embedding backward");
  ids[2] = 10;
  CHECK(embedding_forward(out.data(), ids.data(), table.data(), ids.size(), vocab, c) == Status::out_of_range);
  CHECK(std::string(last_error()).find("ids[2] = 10") != std::string::npos);
  ids[2] = -1;
  CHECK(embedding_backward(out.data(), dout.data(), ids.data(), ids.size(), vocab, c) == Status::out_of_range);
}

TEST("adamw: avx2 matches scalar and a double-precision transcription over 5 steps") {
  const int64_t n = 1031;
  auto p0 = random_vector(n, 51), g = random_vector(n, 52);
  AdamWConfig cfg;
  cfg.lr = 1e-2f;
  cfg.weight_decay = 0.1f;
  cfg.grad_scale = 0.5f;
  std::vector<double> p(p0.begin(), p0.end()), m(n, 0.0), v(n, 0.0);
  for (int t = 1; t <= 5; ++t) {
    for (int64_t i = 0; i < n; ++i) {
      double gi = g[i] * 0.5;
      m[i] = 0.9 * m[i] + 0.1 * gi;
      v[i] = 0.999 * v[i] + 0.001 * gi * gi;
      double mh = m[i] / (1 - std::pow(0.9, t)), vh = v[i] / (1 - std::pow(0.999, t));
      p[i] = p[i] * (1 - 1e-2 * 0.1) - 1e-2 * mh / (std::sqrt(vh) + 1e-8);
    }
  }
  std::vector<float> expect(p.begin(), p.end());
  check_paths_agree(
      [&] {
        std::vector<float> params = p0, mf(n, 0.0f), vf(n, 0.0f);
        for (int t = 1; t <= 5; ++t) {
          cfg.step = t;
          CHECK(adamw_step(params.data(), g.data(), mf.data(), vf.data(), n, cfg) == Status::ok);
        }
        CHECK_CLOSE(params.data(), expect.data(), n, 1e-6, 1e-5, "adamw vs double");
        return params;
      },
      1e-6, 1e-5, "adamw");
  std::vector<float> params = p0, mf(n, 0.0f), vf(n, 0.0f);
  cfg.step = 0;
  CHECK(adamw_step(params.data(), g.data(), mf.data(), vf.data(), n, cfg) == Status::invalid_argument);
}

TEST("grad_norm: both paths equal the double-precision norm, independent of thread count") {
  for (int64_t n : {int64_t{1}, int64_t{7}, int64_t{257}, int64_t{200003}}) {
    auto g = random_vector(n, n);
    double expect = 0.0;
    for (float x : g) expect += static_cast<double>(x) * x;
    expect = std::sqrt(expect);
    for_each_path([&](KernelPath path) {
      double got = -1.0;
      CHECK(grad_norm(g.data(), n, &got) == Status::ok);
      CHECK_MSG(std::fabs(got - expect) <= 1e-6 * expect, std::string("grad_norm ") + kernel_path_name(path));
    });
  }
}

TEST("row kernels reject negative sizes and null buffers") {
  std::vector<float> x(8);
  CHECK(softmax_forward(x.data(), x.data(), nullptr, -1, 8, 1.0f) == Status::invalid_argument);
  CHECK(layernorm_forward(x.data(), nullptr, x.data(), x.data(), x.data(), x.data(), 1, 8, 1e-5f) ==
        Status::invalid_argument);
  CHECK(std::string(last_error()).find("layernorm_forward") != std::string::npos);
  CHECK(gelu_forward(nullptr, x.data(), 8) == Status::invalid_argument);
  CHECK(gelu_forward(nullptr, nullptr, 0) == Status::ok);
}
