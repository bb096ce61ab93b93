// Attention forward/backward as batched SGEMMs around the masked softmax (math in attention.h).
// Batch z = (sample, head): A/B/C offsets are sample·(rows·stride) + head·hs for the token
// matrices and (sample·NH + head)·Tq·Tk for att.
#include <cmath>

#include "attention.h"
#include "gemm.h"
#include "launch.cuh"
#include "softmax.h"
#include "workspace.h"

namespace shapca::cuda {

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

// Batch layouts of the operands: a token matrix with row stride ld and rows per sample, or att.
struct Layout {
  int64_t outer, inner;
};
Layout tokens(int64_t rows, int64_t ld, int64_t hs) { return Layout{rows * ld, hs}; }
Layout probs(const AttentionShape& s) { return Layout{s.nh * s.tq * s.tk, s.tq * s.tk}; }

GemmBatch batch(const AttentionShape& s, Layout a, Layout b, Layout c) {
  return GemmBatch{s.b, s.nh, a.outer, a.inner, b.outer, b.inner, c.outer, c.inner};
}

}  // namespace

Status cross_attention_forward(float* out, float* att, const float* q, const float* k, const float* v,
                               const uint8_t* kv_mask, const AttentionShape& s) {
  const char* what = "cross_attention_forward";
  if (Status st = check_shape(what, s); st != Status::ok) return st;
  if (s.b * s.tq * s.c == 0) return Status::ok;
  if (out == nullptr || att == nullptr || q == nullptr || (s.tk > 0 && (k == nullptr || v == nullptr))) {
    return fail(Status::invalid_argument, "%s: a required buffer is null", what);
  }
  if (s.tk == 0) return check(cudaMemsetAsync(out, 0, s.b * s.tq * s.c * sizeof(float)), what);
  const int64_t hs = s.c / s.nh;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hs));
  // att = scale·Q_h K_hᵀ
  Status st = sgemm_batched(false, true, s.tq, s.tk, hs, scale, q, s.ldq, k, s.ldkv, 0.0f, att, s.tk, nullptr,
                            batch(s, tokens(s.tq, s.ldq, hs), tokens(s.tk, s.ldkv, hs), probs(s)));
  if (st == Status::ok) st = softmax_detail::forward(att, att, kv_mask, s.nh * s.tq, s.b * s.nh * s.tq, s.tk, 1.0f);
  if (st != Status::ok) return st;
  // out_h = att·V_h
  return sgemm_batched(false, false, s.tq, hs, s.tk, 1.0f, att, s.tk, v, s.ldkv, 0.0f, out, s.c, nullptr,
                       batch(s, probs(s), tokens(s.tk, s.ldkv, hs), tokens(s.tq, s.c, hs)));
}

Status cross_attention_backward(float* dq, float* dk, float* dv, const float* dout, const float* q, const float* k,
                                const float* v, const float* att, const AttentionShape& s) {
  const char* what = "cross_attention_backward";
  if (Status st = check_shape(what, s); st != Status::ok) return st;
  if (s.b * s.tq * s.tk * s.c == 0) return Status::ok;
  if (dq == nullptr || dk == nullptr || dv == nullptr || dout == nullptr || q == nullptr || k == nullptr ||
      v == nullptr || att == nullptr) {
    return fail(Status::invalid_argument, "%s: a required buffer is null", what);
  }
  const int64_t hs = s.c / s.nh;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hs));
  void* ws = nullptr;
  if (Status st = workspace(&ws, s.b * s.nh * s.tq * s.tk * sizeof(float), Slot::leaf, what); st != Status::ok) return st;
  float* dp = static_cast<float*>(ws);  // dP, then dS in place, (B,NH,Tq,Tk)
  const Layout lq = tokens(s.tq, s.ldq, hs), lkv = tokens(s.tk, s.ldkv, hs), lo = tokens(s.tq, s.c, hs), la = probs(s);
  // dV_h += attᵀ·dout_h
  Status st = sgemm_batched(true, false, s.tk, hs, s.tq, 1.0f, att, s.tk, dout, s.c, 1.0f, dv, s.ldkv, nullptr,
                            batch(s, la, lo, lkv));
  // dP = dout_h·V_hᵀ, dS = scale·att ⊙ (dP − rowsum(dP ⊙ att))
  if (st == Status::ok) {
    st = sgemm_batched(false, true, s.tq, s.tk, hs, 1.0f, dout, s.c, v, s.ldkv, 0.0f, dp, s.tk, nullptr,
                       batch(s, lo, lkv, la));
  }
  if (st == Status::ok) st = softmax_detail::backward(dp, dp, att, s.b * s.nh * s.tq, s.tk, scale, false);
  // dQ_h += dS·K_h, dK_h += dSᵀ·Q_h
  if (st == Status::ok) {
    st = sgemm_batched(false, false, s.tq, hs, s.tk, 1.0f, dp, s.tk, k, s.ldkv, 1.0f, dq, s.ldq, nullptr,
                       batch(s, la, lkv, lq));
  }
  if (st == Status::ok) {
    st = sgemm_batched(true, false, s.tk, hs, s.tq, 1.0f, dp, s.tk, q, s.ldq, 1.0f, dk, s.ldkv, nullptr,
                       batch(s, la, lq, lkv));
  }
  return st;
}

Status attention_forward(float* out, float* att, const float* qkv, const uint8_t* mask, int64_t b, int64_t t,
                         int64_t c, int64_t nh) {
  if (qkv == nullptr && b * t * c != 0) return fail(Status::invalid_argument, "attention_forward: qkv is null");
  const float* q = qkv;
  return cuda::cross_attention_forward(out, att, q, q ? q + c : nullptr, q ? q + 2 * c : nullptr, mask,
                                 AttentionShape{b, t, t, c, nh, 3 * c, 3 * c});
}

Status attention_backward(float* dqkv, const float* dout, const float* qkv, const float* att, int64_t b, int64_t t,
                          int64_t c, int64_t nh) {
  if ((qkv == nullptr || dqkv == nullptr) && b * t * c != 0) {
    return fail(Status::invalid_argument, "attention_backward: a required buffer is null");
  }
  const float* q = qkv;
  float* dq = dqkv;
  return cuda::cross_attention_backward(dq, dq ? dq + c : nullptr, dq ? dq + 2 * c : nullptr, dout, q, q ? q + c : nullptr,
                                  q ? q + 2 * c : nullptr, att, AttentionShape{b, t, t, c, nh, 3 * c, 3 * c});
}

}  // namespace shapca::cuda
