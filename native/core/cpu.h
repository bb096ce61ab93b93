// CPU feature check and the choice of kernel path.
// AVX2/FMA kernels live in separate translation units compiled with -mavx2 -mfma; they are
// only ever called after this check says the CPU (and the OS) supports them.
#pragma once
#include "status.h"

namespace shapca {

enum class KernelPath : int { scalar = 0, avx2 = 1 };

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
};

const CpuFeatures& cpu_features();
const char* kernel_path_name(KernelPath p);

// The active path: AVX2 when the CPU has AVX2+FMA, else scalar. The environment variable
// SHAPCA_KERNELS=scalar forces the scalar path at start-up.
KernelPath kernel_path();
// Selects a path; asking for AVX2 on a CPU without it fails with Status::unsupported.
Status set_kernel_path(KernelPath p);
inline bool use_avx2() { return kernel_path() == KernelPath::avx2; }

}  // namespace shapca
