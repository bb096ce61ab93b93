#include "attention.h"

#include <atomic>
#include <cmath>
#include <cstring>
#include <new>
#include <vector>

#include "../core/thread_pool.h"
#include "gemm.h"
#include "softmax.h"

namespace shapca {

namespace {

Status check_shape(const char* what, int64_t b, int64_t t, int64_t c, int64_t nh) {
  if (b < 0 || t < 0 || c < 0 || nh <= 0 || c % nh != 0) {
    return fail(Status::invalid_argument,
                "%s: expected B, T, C >= 0 and C divisible by NH > 0 but received B=%lld T=%lld C=%lld NH=%lld", what,
                static_cast<long long>(b), static_cast<long long>(t), static_cast<long long>(c),
                static_cast<long long>(nh));
  }
  return Status::ok;
}

// Runs fn(b, h, thread) for every (b, h) pair and folds the first failure into one status.
template <typename Fn>
Status for_heads(int64_t b, int64_t nh, const Fn& fn) {
  std::atomic<int> failed{0};
  Status s = ThreadPool::global().run(b * nh, [&](int64_t task, int thread) {
    if (fn(task / nh, task % nh, thread) != Status::ok) failed.store(1);
  });
  if (s != Status::ok) return s;
  return failed.load() ? fail(Status::out_of_memory, "attention: a head failed (packing buffers)") : Status::ok;
}

}  // namespace

Status attention_forward(float* out, float* att, const float* qkv, const uint8_t* mask, int64_t b, int64_t t,
                         int64_t c, int64_t nh) {
  if (Status s = check_shape("attention_forward", b, t, c, nh); s != Status::ok) return s;
  if (b * t * c == 0) return Status::ok;
  if (out == nullptr || att == nullptr || qkv == nullptr) {
    return fail(Status::invalid_argument, "attention_forward: a required buffer is null");
  }
  const int64_t hs = c / nh, c3 = 3 * c;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hs));
  return for_heads(b, nh, [&](int64_t bi, int64_t h, int) {
    const float* q = qkv + bi * t * c3 + h * hs;  // (T, hs), row stride 3C
    const float* k = q + c;
    const float* v = q + 2 * c;
    float* a = att + (bi * nh + h) * t * t;  // (T, T)
    const uint8_t* keys = mask ? mask + bi * t : nullptr;
    if (Status s = sgemm(false, true, t, t, hs, scale, q, c3, k, c3, 0.0f, a, t, nullptr); s != Status::ok) return s;
    for (int64_t i = 0; i < t; ++i) softmax_forward(a + i * t, a + i * t, keys, 1, t, 1.0f);
    return sgemm(false, false, t, hs, t, 1.0f, a, t, v, c3, 0.0f, out + bi * t * c + h * hs, c, nullptr);
  });
}

Status attention_backward(float* dqkv, const float* dout, const float* qkv, const float* att, int64_t b, int64_t t,
                          int64_t c, int64_t nh) {
  if (Status s = check_shape("attention_backward", b, t, c, nh); s != Status::ok) return s;
  if (b * t * c == 0) return Status::ok;
  if (dqkv == nullptr || dout == nullptr || qkv == nullptr || att == nullptr) {
    return fail(Status::invalid_argument, "attention_backward: a required buffer is null");
  }
  const int64_t hs = c / nh, c3 = 3 * c;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hs));
  ThreadPool& pool = ThreadPool::global();
  std::vector<float> scratch;  // per thread: dP (T,T) and dS (T,T)
  try {
    scratch.resize(static_cast<size_t>(pool.threads()) * 2 * t * t);
  } catch (const std::bad_alloc&) {
    return fail(Status::out_of_memory, "attention_backward: could not allocate %lld floats of scratch",
                static_cast<long long>(pool.threads() * 2 * t * t));
  }
  return for_heads(b, nh, [&](int64_t bi, int64_t h, int thread) {
    const float* q = qkv + bi * t * c3 + h * hs;
    const float* k = q + c;
    const float* v = q + 2 * c;
    float* dq = dqkv + bi * t * c3 + h * hs;
    float* dk = dq + c;
    float* dv = dq + 2 * c;
    const float* a = att + (bi * nh + h) * t * t;
    const float* dy = dout + bi * t * c + h * hs;  // (T, hs), row stride C
    float* dp = scratch.data() + static_cast<size_t>(thread) * 2 * t * t;
    float* ds = dp + t * t;
    Status s = sgemm(true, false, t, hs, t, 1.0f, a, t, dy, c, 1.0f, dv, c3, nullptr);
    if (s == Status::ok) s = sgemm(false, true, t, t, hs, 1.0f, dy, c, v, c3, 0.0f, dp, t, nullptr);
    if (s != Status::ok) return s;
    std::memset(ds, 0, static_cast<size_t>(t * t) * sizeof(float));
    softmax_backward(ds, dp, a, t, t, scale);
    s = sgemm(false, false, t, hs, t, 1.0f, ds, t, k, c3, 1.0f, dq, c3, nullptr);
    if (s == Status::ok) s = sgemm(true, false, t, hs, t, 1.0f, ds, t, q, c3, 1.0f, dk, c3, nullptr);
    return s;
  });
}

}  // namespace shapca
