// What the model orchestration asks of a backend. The encoder layer (transformer.h), the layer
// stack (encoder_stack.h) and the pooler (pooler.h) are written once, as templates over a
// backend Be that names these kernels as static members, each with the signature and contract
// of its native/kernels namesake on the backend's memory. Two backends exist: CpuBackend
// (models/cpu_backend.h: native/kernels on host memory) and cuda::DeviceBackend
// (cuda/models/device_backend.h: native/cuda on device pointers). A step added to a layer is
// written once, in the template; a kernel the steps need is added to this list and bound in
// every backend (the build fails where one is missing).
#pragma once

// X(name) for every kernel a backend binds.
#define SHAPCA_BACKEND_KERNELS(X)                                                                    \
  X(sgemm) X(matmul_forward) X(matmul_backward)                  /* gemm.h */                     \
  X(layernorm_forward) X(layernorm_backward)                     /* layernorm.h */                \
  X(attention_forward) X(attention_backward)                     /* attention.h */                \
  X(gelu_forward) X(gelu_backward) X(quick_gelu_forward) X(quick_gelu_backward)  /* gelu.h */     \
  X(tanh_forward) X(tanh_backward) X(add_to) X(zero) X(copy_to)  /* vec_ops.h */

