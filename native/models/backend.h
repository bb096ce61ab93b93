// What the model orchestration asks of a backend. The encoder layer (transformer.h), the layer
// stack (encoder_stack.h), the pooler (pooler.h) and the BERT and ViT/CLIP drivers
// (bert_steps.h, vit_steps.h) are written once, as templates over a backend Be; two backends
// exist: CpuBackend (models/cpu_backend.h: native/kernels on host memory) and
// cuda::DeviceBackend (cuda/models/device_backend.h: native/cuda on device pointers). A step
// added to a layer or a driver is written once, in the template; a kernel the steps need is
// added to this list and bound in every backend (the build fails where one is missing); the
// steps from a kernel to the models are in docs/ARCHITECTURE.md, "A new kernel".
//
// A backend has:
//   - the kernels below, as static members with the signature and contract of their
//     native/kernels namesakes on the backend's memory (rows_copy / rows_add: kernels/vec_ops.h);
//   - the embedding sums, static: bert_embed_forward(bm, acts, params, bt),
//     bert_embed_backward(bm, acts, grads, demb, bt), vit_embed_forward(vm, acts, params, b),
//     vit_embed_backward(vm, acts, grads, demb, b) (their kernels differ in shape: a lookup and
//     a row loop on the CPU, one fused launch on the GPU);
//   - the host boundary, as members of an instance made for one call (host arrays on one side,
//     the backend's buffers on the other; `what` names the transfer in errors):
//       host_memory                 constexpr bool: whether its buffers are host memory (then the
//                                   plans skip the staging buffers below)
//       staging(buf, n)             a host array to fill for buf (int32_t or uint8_t), then
//       load_bytes(buf, host, bytes, what)   buf = that host array
//       load(buf, host, n, what)    buf = host                       (a copy or an upload)
//       view(&ptr, buf, host, n, what)       ptr reads host: host itself, or buf after an upload
//       store(host, buf, n, what)   host = buf                       (a copy or a download)
//       store_add(host, buf, n, what)        host += buf
//       accumulator(&ptr, buf, host, n)      where to accumulate into host: host itself, or
//       flush(host, ptr, n, what)            buf zeroed, then added to host by flush
#pragma once
#include <cstdint>

#include "../core/status.h"

// X(name) for every kernel a backend binds.
#define SHAPCA_BACKEND_KERNELS(X)                                                                   \
  X(sgemm) X(matmul_forward) X(matmul_backward)                                 /* gemm.h */        \
  X(layernorm_forward) X(layernorm_backward)                                    /* layernorm.h */   \
  X(attention_forward) X(attention_backward)                                    /* attention.h */   \
  X(gelu_forward) X(gelu_backward) X(quick_gelu_forward) X(quick_gelu_backward) /* gelu.h */        \
  X(patch_embed_forward) X(patch_embed_backward)                                /* patch_embed.h */ \
  X(tanh_forward) X(tanh_backward) X(add_to) X(zero) X(copy_to)                 /* vec_ops.h */     \
  X(rows_copy) X(rows_add)                                                      /* vec_ops.h */

// The embedding sums, declared in every backend and defined next to its drivers.
#define SHAPCA_BACKEND_EMBEDDINGS                                                                            \
  static Status bert_embed_forward(const BertModel& bm, const BertActs& a, const float* params, int64_t bt);   \
  static Status bert_embed_backward(const BertModel& bm, const BertActs& a, float* grads, const float* demb,  \
                                    int64_t bt);                                                              \
  static Status vit_embed_forward(const VitModel& vm, const VitActs& a, const float* params, int64_t b);       \
  static Status vit_embed_backward(const VitModel& vm, const VitActs& a, float* grads, const float* demb,      \
                                   int64_t b);

namespace shapca {

// buf = host, or zeros where the caller gave no host array (an output gradient left out).
template <typename Be>
Status load_or_zero(Be& be, float* buf, const float* host, int64_t n, const char* what) {
  return host ? be.load(buf, host, n, what) : Be::zero(buf, n);
}

}  // namespace shapca
