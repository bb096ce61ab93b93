#include "cross_attention.h"

#include <atomic>
#include <cmath>
#include <cstring>
#include <new>
#include <vector>

#include "../core/cpu.h"
#include "../core/grow_buffer.h"
#include "../core/thread_pool.h"
#include "attention_head.h"
#include "gemm.h"
#include "softmax.h"

namespace shapca {

namespace {

Status check_shape(const char* what, const AttentionShape& s) {
  if (s.b < 0 || s.tq < 0 || s.tk < 0 || s.c < 0 || s.nh <= 0 || s.c % s.nh != 0 || s.ldq < s.c || s.ldkv < s.c) {
    return fail(Status::invalid_argument,
                "%s: expected B, Tq, Tk, C >= 0, C divisible by NH > 0 and strides >= C but received B=%lld Tq=%lld "
                "Tk=%lld C=%lld NH=%lld ldq=%lld ldkv=%lld",
                what, static_cast<long long>(s.b), static_cast<long long>(s.tq), static_cast<long long>(s.tk),
                static_cast<long long>(s.c), static_cast<long long>(s.nh), static_cast<long long>(s.ldq),
                static_cast<long long>(s.ldkv));
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
  return failed.load() ? fail(Status::out_of_memory, "attention: a head failed (packing buffers)") : Status::ok;
}

// This thread's scratch of at least `floats` floats (core/grow_buffer.h); null when it cannot grow.
float* thread_scratch(int64_t floats) {
  thread_local GrowBuffer<float> buf;
  return buf.ensure(static_cast<size_t>(floats));
}

}  // namespace

Status cross_attention_forward(float* out, float* att, const float* q, const float* k, const float* v,
                               const uint8_t* kv_mask, const AttentionShape& shape) {
  if (Status s = check_shape("cross_attention_forward", shape); s != Status::ok) return s;
  const int64_t b = shape.b, tq = shape.tq, tk = shape.tk, c = shape.c, nh = shape.nh;
  const int64_t ldq = shape.ldq, ldkv = shape.ldkv;
  if (b * tq * c == 0) return Status::ok;
  if (out == nullptr || q == nullptr || (tk > 0 && (k == nullptr || v == nullptr))) {
    return fail(Status::invalid_argument, "cross_attention_forward: a required buffer is null");
  }
  if (tk == 0) {  // nothing to attend to
    std::memset(out, 0, static_cast<size_t>(b * tq * c) * sizeof(float));
    return Status::ok;
  }
  const int64_t hs = c / nh;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hs));
  const bool blocked = use_avx512();  // attention_head.h
  // Per thread: the blocked path's packed keys and block of scores, or the general path's
  // probabilities when the caller keeps none.
  const int64_t per_thread = blocked ? attention_head_scratch(tk, hs) : (att ? 0 : tq * tk);
  return for_heads(b, nh, [&](int64_t bi, int64_t h, int) {
    const float* qh = q + bi * tq * ldq + h * hs;  // (Tq, hs), row stride ldq
    const float* kh = k + bi * tk * ldkv + h * hs;  // (Tk, hs), row stride ldkv
    const float* vh = v + bi * tk * ldkv + h * hs;
    float* oh = out + bi * tq * c + h * hs;
    float* own = per_thread > 0 ? thread_scratch(per_thread) : nullptr;
    if (per_thread > 0 && own == nullptr) {
      return fail(Status::out_of_memory, "cross_attention_forward: could not allocate %lld floats of scratch",
                  static_cast<long long>(per_thread));
    }
    float* a = att ? att + (bi * nh + h) * tq * tk : nullptr;  // (Tq, Tk)
    const uint8_t* keys = kv_mask ? kv_mask + bi * tk : nullptr;
    if (blocked) {
      avx512::attention_head(AttentionHead{qh, kh, vh, keys, a, oh, tq, tk, hs, ldq, ldkv, c, scale}, own);
      return Status::ok;
    }
    if (a == nullptr) a = own;
    if (Status s = sgemm(false, true, tq, tk, hs, scale, qh, ldq, kh, ldkv, 0.0f, a, tk, nullptr); s != Status::ok) {
      return s;
    }
    for (int64_t i = 0; i < tq; ++i) softmax_forward(a + i * tk, a + i * tk, keys, 1, tk, 1.0f);
    return sgemm(false, false, tq, hs, tk, 1.0f, a, tk, vh, ldkv, 0.0f, oh, c, nullptr);
  });
}

Status cross_attention_backward(float* dq, float* dk, float* dv, const float* dout, const float* q, const float* k,
                                const float* v, const float* att, const AttentionShape& shape) {
  if (Status s = check_shape("cross_attention_backward", shape); s != Status::ok) return s;
  const int64_t b = shape.b, tq = shape.tq, tk = shape.tk, c = shape.c, nh = shape.nh;
  const int64_t ldq = shape.ldq, ldkv = shape.ldkv;
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
    const int64_t qo = bi * tq * ldq + h * hs, ko = bi * tk * ldkv + h * hs, oo = bi * tq * c + h * hs;
    const float* a = att + (bi * nh + h) * tq * tk;
    float* dp = scratch.data() + static_cast<size_t>(thread) * 2 * tq * tk;
    float* ds = dp + tq * tk;
    Status s = sgemm(true, false, tk, hs, tq, 1.0f, a, tk, dout + oo, c, 1.0f, dv + ko, ldkv, nullptr);
    if (s == Status::ok) s = sgemm(false, true, tq, tk, hs, 1.0f, dout + oo, c, v + ko, ldkv, 0.0f, dp, tk, nullptr);
    if (s != Status::ok) return s;
    std::memset(ds, 0, static_cast<size_t>(tq * tk) * sizeof(float));
    softmax_backward(ds, dp, a, tq, tk, scale);
    s = sgemm(false, false, tq, hs, tk, 1.0f, ds, tk, k + ko, ldkv, 1.0f, dq + qo, ldq, nullptr);
    if (s == Status::ok) s = sgemm(true, false, tk, hs, tq, 1.0f, ds, tk, q + qo, ldq, 1.0f, dk + ko, ldkv, nullptr);
    return s;
  });
}

}  // namespace shapca
