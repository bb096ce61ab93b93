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
#endif
  return f;
}

KernelPath initial_path() {
  const CpuFeatures& f = cpu_features();
  const char* env = std::getenv("SHAPCA_KERNELS");
  if (env != nullptr && std::strcmp(env, "scalar") == 0) return KernelPath::scalar;
  return (f.avx2 && f.fma) ? KernelPath::avx2 : KernelPath::scalar;
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

const char* kernel_path_name(KernelPath p) { return p == KernelPath::avx2 ? "avx2" : "scalar"; }

KernelPath kernel_path() { return static_cast<KernelPath>(path_slot().load(std::memory_order_relaxed)); }

Status set_kernel_path(KernelPath p) {
  if (p == KernelPath::avx2 && !(cpu_features().avx2 && cpu_features().fma)) {
    return fail(Status::unsupported, "The AVX2/FMA kernel path was requested but this CPU lacks AVX2 or FMA");
  }
  path_slot().store(static_cast<int>(p), std::memory_order_relaxed);
  return Status::ok;
}

}  // namespace shapca
