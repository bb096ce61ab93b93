#include <cmath>
#include <vector>

#include "harness.h"
#include "kernels/cross_entropy.h"

using namespace shapca;
using namespace shapca::test;

TEST("cross_entropy: loss and gradient equal the double-precision definition; -1 rows are ignored") {
  const int R = 5, C = 7;
  auto logits = random_vector(R * C, 11, 6.0f);
  logits[3 * C + 2] = 80.0f;  // a large logit: log-sum-exp must not overflow
  std::vector<int32_t> targets = {0, 6, -1, 1, 3};
  std::vector<float> loss(R), probs(R * C), dloss = {0.5f, 1.0f, 2.0f, -1.0f, 0.25f};
  std::vector<float> dlogits(R * C, 1.0f);  // accumulates onto what is there
  CHECK(cross_entropy_forward(loss.data(), probs.data(), logits.data(), targets.data(), R, C) == Status::ok);
  CHECK(cross_entropy_backward(dlogits.data(), dloss.data(), probs.data(), targets.data(), R, C) == Status::ok);
  std::vector<float> want_loss(R), want_probs(R * C), want_d(R * C, 1.0f);
  for (int r = 0; r < R; ++r) {
    double mx = -1e30, z = 0.0;
    for (int c = 0; c < C; ++c) mx = std::fmax(mx, logits[r * C + c]);
    for (int c = 0; c < C; ++c) z += std::exp(static_cast<double>(logits[r * C + c]) - mx);
    for (int c = 0; c < C; ++c) want_probs[r * C + c] = static_cast<float>(std::exp(logits[r * C + c] - mx) / z);
    const int t = targets[r];
    want_loss[r] = t < 0 ? 0.0f : static_cast<float>(std::log(z) + mx - logits[r * C + t]);
    if (t >= 0) {
      for (int c = 0; c < C; ++c) want_d[r * C + c] += dloss[r] * (want_probs[r * C + c] - (c == t ? 1.0f : 0.0f));
    }
  }
  CHECK_CLOSE(loss.data(), want_loss.data(), R, 1e-5, 1e-5, "loss");
  CHECK_CLOSE(probs.data(), want_probs.data(), R * C, 1e-7, 1e-5, "probs");
  CHECK_CLOSE(dlogits.data(), want_d.data(), R * C, 1e-6, 1e-5, "dlogits");
}

TEST("cross_entropy: a target outside [-1, cols) is an error, nothing aborts") {
  std::vector<float> logits(6, 0.0f), loss(2), probs(6), d(6);
  std::vector<int32_t> bad = {0, 3};
  CHECK(cross_entropy_forward(loss.data(), probs.data(), logits.data(), bad.data(), 2, 3) == Status::out_of_range);
  CHECK(cross_entropy_backward(d.data(), loss.data(), probs.data(), bad.data(), 2, 3) == Status::out_of_range);
  std::vector<int32_t> neg = {-2, 0};
  CHECK(cross_entropy_forward(loss.data(), probs.data(), logits.data(), neg.data(), 2, 3) == Status::out_of_range);
  CHECK(cross_entropy_forward(loss.data(), probs.data(), logits.data(), neg.data(), 0, 3) == Status::ok);
}
