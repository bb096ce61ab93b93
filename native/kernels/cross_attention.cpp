#include "cross_attention.h"

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

Status check_shape(const char* what, int64_t b, int64_t tq, int64_t tk, int64_t c, int64_t nh) {
  if (b < 0 || tq < 0 || tk < 0 || c < 0 || nh <= 0 || c % nh != 0) {
    return fail(Status::invalid_argument,
                "%s: expected B, Tq, Tk, C >= 0 and C divisible by NH > 0 but received B=%lld Tq=%lld Tk=%lld C=%lld "
                "NH=%lld",
                what, static_cast<long long>(b), static_cast<long long>(tq), static_cast<long long>(tk),
                static_cast<long long>(c), static_cast<long long>(nh));
  }
  return Status::ok;
}

template <typename Fn>
Status for_heads(int64_t b, int64_t nh, const Fn& fn) {
  std::atomic<int> failed{0};
  Status s = ThreadPool::global().run(b * nh, [&](int64_t task, int thread) {
    if (fn(task / nh, task % nh, thread) != Status::ok) failed.store(1);
  });
  if (s != Status::ok) return s;
  return failed.load() ? fail(Status::out_of_memory, "cross_attention: a head failed (packing buffers)") : Status::ok;
}

}  // namespace

Status cross_attention_forward(float* out, float* att, const float* q, const float* k, const float* v,
                               const uint8_t* kv_mask, int64_t b, int64_t tq, int64_t tk, int64_t c, int64_t nh) {
  if (Status s = check_shape("cross_attention_forward", b, tq, tk, c, nh); s != Status::ok) return s;
  if (b * tq * c == 0) return Status::ok;
  if (out == nullptr || att == nullptr || q == nullptr || (tk > 0 && (k == nullptr || v == nullptr))) {
    return fail(Status::invalid_argument, "cross_attention_forward: a required buffer is null");
  }
  if (tk == 0) {  // nothing to attend to
    std::memset(out, 0, static_cast<size_t>(b * tq * c) * sizeof(float));
    return Status::ok;
  }
  const int64_t hs = c / nh;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hs));
  return for_heads(b, nh, [&](int64_t bi, int64_t h, int) {
    const float* qh = q + bi * tq * c + h * hs;  // (Tq, hs), row stride C
    const float* kh = k + bi * tk * c + h * hs;  // (Tk, hs)
    const float* vh = v + bi * tk * c + h * hs;
    float* a = att + (bi * nh + h) * tq * tk;  // (Tq, Tk)
    const uint8_t* keys = kv_mask ? kv_mask + bi * tk : nullptr;
    if (Status s = sgemm(false, true, tq, tk, hs, scale, qh, c, kh, c, 0.0f, a, tk, nullptr); s != Status::ok) return s;
    for (int64_t i = 0; i < tq; ++i) softmax_forward(a + i * tk, a + i * tk, keys, 1, tk, 1.0f);
    return sgemm(false, false, tq, hs, tk, 1.0f, a, tk, vh, c, 0.0f, out + bi * tq * c + h * hs, c, nullptr);
  });
}

Status cross_attention_backward(float* dq, float* dk, float* dv, const float* dout, const float* q, const float* k,
                                const float* v, const float* att, int64_t b, int64_t tq, int64_t tk, int64_t c,
                                int64_t nh) {
  if (Status s = check_shape("cross_attention_backward", b, tq, tk, c, nh); s != Status::ok) return s;
  if (b * tq * tk * c == 0) return Status::ok;
  if (dq == nullptr || dk == nullptr || dv == nullptr || dout == nullptr || q == nullptr || k == nullptr ||
      v == nullptr || att == nullptr) {
    return fail(Status::invalid_argument, "cross_attention_backward: a required buffer is null");
  }
  const int64_t hs = c / nh;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hs));
  ThreadPool& pool = ThreadPool::global();
  std::vector<float> scratch;  // per thread: dP and dS, (Tq, Tk) each
  try {
    scratch.resize(static_cast<size_t>(pool.threads()) * 2 * tq * tk);
  } catch (const std::bad_alloc&) {
    return fail(Status::out_of_memory, "cross_attention_backward: could not allocate %lld floats of scratch",
                static_cast<long long>(pool.threads() * 2 * tq * tk));
  }
  return for_heads(b, nh, [&](int64_t bi, int64_t h, int thread) {
    const int64_t qo = bi * tq * c + h * hs, ko = bi * tk * c + h * hs;
    const float* a = att + (bi * nh + h) * tq * tk;
    float* dp = scratch.data() + static_cast<size_t>(thread) * 2 * tq * tk;
    float* ds = dp + tq * tk;
    Status s = sgemm(true, false, tk, hs, tq, 1.0f, a, tk, dout + qo, c, 1.0f, dv + ko, c, nullptr);
    if (s == Status::ok) s = sgemm(false, true, tq, tk, hs, 1.0f, dout + qo, c, v + ko, c, 0.0f, dp, tk, nullptr);
    if (s != Status::ok) return s;
    std::memset(ds, 0, static_cast<size_t>(tq * tk) * sizeof(float));
    softmax_backward(ds, dp, a, tq, tk, scale);
    s = sgemm(false, false, tq, hs, tk, 1.0f, ds, tk, k + ko, c, 1.0f, dq + qo, c, nullptr);
    if (s == Status::ok) s = sgemm(true, false, tk, hs, tq, 1.0f, ds, tk, q + qo, c, 1.0f, dk + ko, c, nullptr);
    return s;
  });
}

}  // namespace shapca
