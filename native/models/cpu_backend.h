// The CPU backend of the model orchestration (backend.h): native/kernels on host memory, where
// the host boundary is plain copies or nothing at all (inputs are read where they are).
#pragma once
#include <cstdint>

#include "../core/status.h"
#include "../kernels/attention.h"
#include "../kernels/gelu.h"
#include "../kernels/gemm.h"
#include "../kernels/layernorm.h"
#include "../kernels/patch_embed.h"
#include "../kernels/vec_ops.h"
#include "backend.h"

namespace shapca {

struct BertModel;
struct BertActs;
struct VitModel;
struct VitActs;

struct CpuBackend {
  // static constexpr: the templates' calls are direct calls, as if written by hand.
#define SHAPCA_CPU_KERNEL(name) static constexpr auto name = ::shapca::name;
  SHAPCA_BACKEND_KERNELS(SHAPCA_CPU_KERNEL)
#undef SHAPCA_CPU_KERNEL

  // bert.cpp, vit.cpp: the embedding sums
  SHAPCA_BACKEND_EMBEDDINGS

  static constexpr bool host_memory = true;
  template <typename T>
  static T* staging(T* buf, int64_t) { return buf; }  // filled in place: nothing to load
  static Status load_bytes(void*, const void*, int64_t, const char*) { return Status::ok; }
  static Status load(float* buf, const float* host, int64_t n, const char*) { return copy_to(buf, host, n); }
  static Status view(const float** ptr, float*, const float* host, int64_t, const char*) {
    *ptr = host;
    return Status::ok;
  }
  static Status store(float* host, const float* buf, int64_t n, const char*) { return copy_to(host, buf, n); }
  static Status store_add(float* host, const float* buf, int64_t n, const char*) { return add_to(host, buf, n); }
  static Status accumulator(float** ptr, float*, float* host, int64_t) {
    *ptr = host;
    return Status::ok;
  }
  static Status flush(float*, const float*, int64_t, const char*) { return Status::ok; }  // accumulated in place
};

}  // namespace shapca
