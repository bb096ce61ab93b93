// Scalar only: the classifiers have a few dozen columns and a few hundred rows per step, far
// below what a vector path would pay back (the GEMM before it dominates).
#include "cross_entropy.h"

#include <cmath>

#include "rows.h"

namespace shapca {

namespace {

Status check_targets(const char* what, const int32_t* targets, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    if (targets[r] < -1 || targets[r] >= cols) {
      return fail(Status::out_of_range, "%s: expected targets in [-1, %lld) but targets[%lld] = %d", what,
                  static_cast<long long>(cols), static_cast<long long>(r), targets[r]);
    }
  }
  return Status::ok;
}

}  // namespace

Status cross_entropy_forward(float* loss, float* probs, const float* logits, const int32_t* targets, int64_t rows,
                             int64_t cols) {
  if (Status s = check_rows("cross_entropy_forward", rows, cols, loss, probs, logits, targets); s != Status::ok) return s;
  if (rows > 0 && cols == 0) {
    return fail(Status::invalid_argument, "cross_entropy_forward: expected cols >= 1 but received 0");
  }
  if (Status s = check_targets("cross_entropy_forward", targets, rows, cols); s != Status::ok) return s;
  return for_rows(rows, cols, [&](int64_t r) {
    const float* x = logits + r * cols;
    float* p = probs + r * cols;
    float mx = x[0];
    for (int64_t c = 1; c < cols; ++c) mx = std::fmax(mx, x[c]);
    double sum = 0.0;
    for (int64_t c = 0; c < cols; ++c) {
      p[c] = std::exp(x[c] - mx);
      sum += p[c];
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (int64_t c = 0; c < cols; ++c) p[c] *= inv;
    const int32_t t = targets[r];
    loss[r] = t < 0 ? 0.0f : static_cast<float>(std::log(sum) + mx - x[t]);
  });
}

Status cross_entropy_backward(float* dlogits, const float* dloss, const float* probs, const int32_t* targets,
                              int64_t rows, int64_t cols) {
  if (Status s = check_rows("cross_entropy_backward", rows, cols, dlogits, dloss, probs, targets); s != Status::ok) {
    return s;
  }
  if (Status s = check_targets("cross_entropy_backward", targets, rows, cols); s != Status::ok) return s;
  return for_rows(rows, cols, [&](int64_t r) {
    const int32_t t = targets[r];
    if (t < 0) return;
    const float g = dloss[r];
    const float* p = probs + r * cols;
    float* d = dlogits + r * cols;
    for (int64_t c = 0; c < cols; ++c) d[c] += g * p[c];
    d[t] -= g;
  });
}

}  // namespace shapca
