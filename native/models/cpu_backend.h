// The CPU backend of the model orchestration (backend.h): native/kernels on host memory.
#pragma once
#include "../kernels/attention.h"
#include "../kernels/gelu.h"
#include "../kernels/gemm.h"
#include "../kernels/layernorm.h"
#include "../kernels/vec_ops.h"
#include "backend.h"

namespace shapca {

struct CpuBackend {
  // static constexpr: the templates' calls are direct calls, as if written by hand.
#define SHAPCA_CPU_KERNEL(name) static constexpr auto name = ::shapca::name;
  SHAPCA_BACKEND_KERNELS(SHAPCA_CPU_KERNEL)
#undef SHAPCA_CPU_KERNEL
};

}  // namespace shapca
