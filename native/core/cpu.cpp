#include "cpu.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace shapca {

namespace {

CpuFeatures detect() {
  CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
  // libgcc's check also verifies that the OS saves the YMM state (XGETBV).
  __builtin_cpu_init();
  f.avx2 = __builtin_cpu_supports("avx2");
  f.fma = __builtin_cpu_supports("fma");
  f.avx512f = __builtin_cpu_supports("avx512f");
  f.avx512bw = __builtin_cpu_supports("avx512bw");
  f.avx512vl = __builtin_cpu_supports("avx512vl");
  f.avx512bf16 = __builtin_cpu_supports("avx512bf16");
  f.avx512vnni = __builtin_cpu_supports("avx512vnni");
#endif
  return f;
}

bool supported(KernelPath p) {
  const CpuFeatures& f = cpu_features();
  switch (p) {
    case KernelPath::scalar: return true;
    case KernelPath::avx2: return f.avx2 && f.fma;
    case KernelPath::avx512: return f.avx2 && f.fma && f.avx512f;
  }
  return false;
}

KernelPath initial_path() {
  const char* env = std::getenv("SHAPCA_KERNELS");
  if (env != nullptr) {
    for (KernelPath p : {KernelPath::scalar, KernelPath::avx2, KernelPath::avx512}) {
      if (std::strcmp(env, kernel_path_name(p)) == 0 && supported(p)) return p;
    }
  }
  return best_kernel_path();
}

std::atomic<int>& path_slot() {
  static std::atomic<int> slot{static_cast<int>(initial_path())};
  return slot;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

const char* kernel_path_name(KernelPath p) {
  switch (p) {
    case KernelPath::scalar: return "scalar";
    case KernelPath::avx2: return "avx2";
    case KernelPath::avx512: return "avx512";
  }
  return "scalar";
}

KernelPath best_kernel_path() {
  if (supported(KernelPath::avx512)) return KernelPath::avx512;
  return supported(KernelPath::avx2) ? KernelPath::avx2 : KernelPath::scalar;
}

KernelPath kernel_path() { return static_cast<KernelPath>(path_slot().load(std::memory_order_relaxed)); }

bool use_avx512_bf16() {
  const CpuFeatures& f = cpu_features();
  return use_avx512() && f.avx512bw && f.avx512vl && f.avx512bf16;
}

bool use_avx512_vnni() {
  const CpuFeatures& f = cpu_features();
  return use_avx512() && f.avx512bw && f.avx512vl && f.avx512vnni;
}

Status set_kernel_path(KernelPath p) {
  if (!supported(p)) {
    return fail(Status::unsupported, "The %s kernel path was requested but this CPU lacks %s", kernel_path_name(p),
                p == KernelPath::avx512 ? "AVX-512F, AVX2 or FMA" : "AVX2 or FMA");
  }
  path_slot().store(static_cast<int>(p), std::memory_order_relaxed);
  return Status::ok;
}

}  // namespace shapca
