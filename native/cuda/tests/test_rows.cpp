// Softmax, LayerNorm and the activations against the CPU, forward and backward.
#include <string>

#include "cuda/gelu.h"
#include "cuda/layernorm.h"
#include "cuda/softmax.h"
#include "harness.h"
#include "kernels/gelu.h"
#include "kernels/layernorm.h"
#include "kernels/softmax.h"

using namespace shapca;
using namespace shapca::cuda_test;

namespace {
const int64_t kCols[] = {1, 7, 33, 257, 1031};
}

TEST("softmax: forward (masked, fully masked row, in place) and backward match the CPU") {
  for (int64_t cols : kCols) {
    const int64_t rows = 19;
    auto x = random_vector(rows * cols, cols, 4.0f);
    std::vector<uint8_t> mask(rows * cols);
    for (size_t i = 0; i < mask.size(); ++i) mask[i] = (i * 7 % 5) != 0;
    std::fill(mask.begin(), mask.begin() + cols, uint8_t{0});  // row 0 fully masked
    auto dx_mask = UP(mask);
    auto dx = UP(x);
    for (bool masked : {false, true}) {
      const std::string label = "softmax cols=" + std::to_string(cols) + (masked ? " masked" : "");
      std::vector<float> want(x.size());
      CHECK_OK(softmax_forward(want.data(), x.data(), masked ? mask.data() : nullptr, rows, cols, 0.5f));
      cuda::DeviceBuffer<float> dout;
      CHECK_OK(dout.allocate(x.size()));
      CHECK_OK(cuda::softmax_forward(dout.data(), dx.data(), masked ? dx_mask.data() : nullptr, rows, cols, 0.5f));
      auto got = DOWN(dout);
      CHECK_NMSE(got.data(), want.data(), got.size(), 1e-12, label);
      if (masked) {
        for (int64_t c = 0; c < cols; ++c) CHECK(got[c] == 0.0f);
      }
      // in place
      auto inplace = UP(x);
      CHECK_OK(cuda::softmax_forward(inplace.data(), inplace.data(), masked ? dx_mask.data() : nullptr, rows, cols, 0.5f));
      CHECK_NMSE(DOWN(inplace).data(), want.data(), want.size(), 1e-12, label + " in place");
      // backward (accumulates)
      auto g = random_vector(x.size(), 3 + cols), d0 = random_vector(x.size(), 4 + cols);
      std::vector<float> dwant = d0;
      CHECK_OK(softmax_backward(dwant.data(), g.data(), want.data(), rows, cols, 0.5f));
      auto dg = UP(g), dd = UP(d0), dy = UP(want);
      CHECK_OK(cuda::softmax_backward(dd.data(), dg.data(), dy.data(), rows, cols, 0.5f));
      CHECK_NMSE(DOWN(dd).data(), dwant.data(), dwant.size(), 1e-12, label + " backward");
    }
  }
}

TEST("layernorm: forward and backward (dinp, dweight, dbias accumulate) match the CPU") {
  for (int64_t c : kCols) {
    const int64_t n = 300;
    auto x = random_vector(n * c, c, 2.0f), w = random_vector(c, 2), b = random_vector(c, 3);
    for (float& v : x) v += 0.5f;
    std::vector<float> out(n * c), mean(n), rstd(n);
    CHECK_OK(layernorm_forward(out.data(), mean.data(), rstd.data(), x.data(), w.data(), b.data(), n, c, 1e-5f));
    auto dx = UP(x), dw = UP(w), db = UP(b);
    cuda::DeviceBuffer<float> dout, dmean, drstd;
    CHECK_OK(dout.allocate(n * c));
    CHECK_OK(dmean.allocate(n));
    CHECK_OK(drstd.allocate(n));
    CHECK_OK(cuda::layernorm_forward(dout.data(), dmean.data(), drstd.data(), dx.data(), dw.data(), db.data(), n, c, 1e-5f));
    const std::string label = "layernorm c=" + std::to_string(c);
    CHECK_NMSE(DOWN(dout).data(), out.data(), out.size(), 1e-11, label);
    CHECK_NMSE(DOWN(dmean).data(), mean.data(), n, 1e-11, label + " mean");
    CHECK_NMSE(DOWN(drstd).data(), rstd.data(), n, 1e-11, label + " rstd");

    auto g = random_vector(n * c, 5 + c), gx0 = random_vector(n * c, 6), gw0 = random_vector(c, 7), gb0 = random_vector(c, 8);
    std::vector<float> gx = gx0, gw = gw0, gb = gb0;
    CHECK_OK(layernorm_backward(gx.data(), gw.data(), gb.data(), g.data(), x.data(), w.data(), mean.data(), rstd.data(), n, c));
    auto dg = UP(g), dgx = UP(gx0), dgw = UP(gw0), dgb = UP(gb0), cmean = UP(mean), crstd = UP(rstd);
    CHECK_OK(cuda::layernorm_backward(dgx.data(), dgw.data(), dgb.data(), dg.data(), dx.data(), dw.data(), cmean.data(),
                                      crstd.data(), n, c));
    CHECK_NMSE(DOWN(dgx).data(), gx.data(), gx.size(), 1e-10, label + " dinp");
    CHECK_NMSE(DOWN(dgw).data(), gw.data(), gw.size(), 1e-10, label + " dweight");
    CHECK_NMSE(DOWN(dgb).data(), gb.data(), gb.size(), 1e-10, label + " dbias");
    // without parameter gradients
    auto dgx2 = UP(gx0);
    CHECK_OK(cuda::layernorm_backward(dgx2.data(), nullptr, nullptr, dg.data(), dx.data(), dw.data(), cmean.data(),
                                      crstd.data(), n, c));
    CHECK_NMSE(DOWN(dgx2).data(), gx.data(), gx.size(), 1e-10, label + " dinp only");
  }
}

TEST("gelu, quick_gelu: forward and backward match the CPU") {
  const int64_t n = 100003;
  auto x = random_vector(n, 1, 6.0f), g = random_vector(n, 2), d0 = random_vector(n, 3);
  auto dx = UP(x), dg = UP(g);
  for (int kind = 0; kind < 2; ++kind) {
    const std::string label = kind == 0 ? "gelu" : "quick_gelu";
    std::vector<float> want(n), dwant = d0;
    CHECK_OK((kind == 0 ? gelu_forward : quick_gelu_forward)(want.data(), x.data(), n));
    CHECK_OK((kind == 0 ? gelu_backward : quick_gelu_backward)(dwant.data(), x.data(), g.data(), n));
    cuda::DeviceBuffer<float> out;
    CHECK_OK(out.allocate(n));
    auto dd = UP(d0);
    CHECK_OK((kind == 0 ? cuda::gelu_forward : cuda::quick_gelu_forward)(out.data(), dx.data(), n));
    CHECK_OK((kind == 0 ? cuda::gelu_backward : cuda::quick_gelu_backward)(dd.data(), dx.data(), dg.data(), n));
    CHECK_NMSE(DOWN(out).data(), want.data(), n, 1e-12, label);
    CHECK_NMSE(DOWN(dd).data(), dwant.data(), n, 1e-12, label + " backward");
  }
}

HOST_TEST("softmax, layernorm, gelu: bad sizes and null buffers are errors") {
  float* fake = reinterpret_cast<float*>(64);
  CHECK_STATUS(cuda::softmax_forward(fake, fake, nullptr, -1, 3, 1.0f), Status::invalid_argument);
  CHECK_STATUS(cuda::softmax_backward(nullptr, fake, fake, 2, 3, 1.0f), Status::invalid_argument);
  CHECK_STATUS(cuda::layernorm_forward(fake, fake, fake, fake, fake, fake, 2, 3, -1.0f), Status::invalid_argument);
  CHECK_STATUS(cuda::layernorm_forward(fake, nullptr, fake, fake, fake, fake, 2, 3, 1e-5f), Status::invalid_argument);
  CHECK_STATUS(cuda::gelu_forward(fake, fake, -5), Status::invalid_argument);
  CHECK_STATUS(cuda::quick_gelu_backward(fake, nullptr, fake, 5), Status::invalid_argument);
  CHECK_STATUS(cuda::gelu_forward(nullptr, nullptr, 0), Status::ok);
}
