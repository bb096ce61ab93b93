// CPU feature check and the choice of kernel path.
// AVX2/FMA kernels live in separate translation units compiled with -mavx2 -mfma (and the
// AVX-512 GEMM micro-kernel in one compiled with -mavx512f); they are only ever called after
// this check says the CPU (and the OS) supports them. The avx512 path uses AVX-512 where it
// pays (the SGEMM micro-kernel) and the AVX2 kernels everywhere else.
#pragma once
#include "status.h"

namespace shapca {

enum class KernelPath : int { scalar = 0, avx2 = 1, avx512 = 2 };

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool avx512f = false;
  // The low-precision GEMMs' extra instructions: vdpbf16ps / vcvtne2ps2bf16 (BF16), vpdpbusd
  // (VNNI), and the byte/word and 256-bit forms they use (BW, VL).
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512bf16 = false;
  bool avx512vnni = false;
};

const CpuFeatures& cpu_features();
const char* kernel_path_name(KernelPath p);

// The best path the CPU supports: avx512 (AVX-512F + AVX2 + FMA), avx2 (AVX2 + FMA), scalar.
KernelPath best_kernel_path();
// The active path: best_kernel_path() unless SHAPCA_KERNELS=scalar|avx2|avx512 chose another
// at start-up (a path the CPU lacks falls back to the best one).
KernelPath kernel_path();
// Selects a path; asking for one the CPU lacks fails with Status::unsupported.
Status set_kernel_path(KernelPath p);
// True on the avx2 and avx512 paths: the AVX2/FMA kernels may run.
inline bool use_avx2() { return kernel_path() != KernelPath::scalar; }
inline bool use_avx512() { return kernel_path() == KernelPath::avx512; }
// The AVX-512 BF16 (VNNI) GEMMs may run: the avx512 path is active and the CPU has BF16 (VNNI),
// BW and VL. Off on the scalar and avx2 paths, so setting one of those stands for a CPU without
// the instructions.
bool use_avx512_bf16();
bool use_avx512_vnni();

}  // namespace shapca
