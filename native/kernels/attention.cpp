#include "attention.h"

#include "cross_attention.h"

namespace shapca {

namespace {
// q, k, v are the three C-wide thirds of each (3C)-wide qkv row.
AttentionShape self_shape(int64_t b, int64_t t, int64_t c, int64_t nh) { return AttentionShape{b, t, t, c, nh, 3 * c, 3 * c}; }
}  // namespace

Status attention_forward(float* out, float* att, const float* qkv, const uint8_t* mask, int64_t b, int64_t t,
                         int64_t c, int64_t nh) {
  if (qkv == nullptr && b * t * c != 0) return fail(Status::invalid_argument, "attention_forward: qkv is null");
  const float* q = qkv;
  return cross_attention_forward(out, att, q, q ? q + c : nullptr, q ? q + 2 * c : nullptr, mask,
                                 self_shape(b, t, c, nh));
}

Status attention_backward(float* dqkv, const float* dout, const float* qkv, const float* att, int64_t b, int64_t t,
                          int64_t c, int64_t nh) {
  if ((qkv == nullptr || dqkv == nullptr) && b * t * c != 0) {
    return fail(Status::invalid_argument, "attention_backward: a required buffer is null");
  }
  const float* q = qkv;
  float* dq = dqkv;
  return cross_attention_backward(dq, dq ? dq + c : nullptr, dq ? dq + 2 * c : nullptr, dout, q, q ? q + c : nullptr,
                                  q ? q + 2 * c : nullptr, att, self_shape(b, t, c, nh));
}

}  // namespace shapca
