// Multi-head attention on the GPU: the contracts of kernels/attention.h (self-attention over a
// (B,T,3C) qkv buffer) and kernels/cross_attention.h (queries against keys/values with row
// strides, AttentionShape), on device pointers. The structure is the CPU's: per (sample, head)
//   att = softmax_keys(scale·Q Kᵀ)  (masked keys get 0, a query with no key gets zeros),
//   out = att·V,
// with every (sample, head) product in one two-level batched SGEMM and the softmax over all
// rows in one launch; att (B,NH,Tq,Tk) is saved for backward, which accumulates dq, dk, dv.
#pragma once
#include <cstdint>

#include "../core/status.h"
#include "../kernels/cross_attention.h"

namespace shapca::cuda {

Status cross_attention_forward(float* out, float* att, const float* q, const float* k, const float* v,
                               const uint8_t* kv_mask, const AttentionShape& s);
Status cross_attention_backward(float* dq, float* dk, float* dv, const float* dout, const float* q, const float* k,
                                const float* v, const float* att, const AttentionShape& s);

Status attention_forward(float* out, float* att, const float* qkv, const uint8_t* mask, int64_t b, int64_t t,
                         int64_t c, int64_t nh);
Status attention_backward(float* dqkv, const float* dout, const float* qkv, const float* att, int64_t b, int64_t t,
                          int64_t c, int64_t nh);

}  // namespace shapca::cuda
