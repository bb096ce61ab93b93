// The device backend of the model orchestration (models/backend.h): the CUDA kernels of
// native/cuda and the device helpers of device_ops.h on device pointers, with host inputs
// uploaded and outputs downloaded at the boundary (through the model's host staging).
#pragma once
#include <cstdint>
#include <vector>

#include "core/status.h"
#include "cuda/attention.h"
#include "cuda/gelu.h"
#include "cuda/gemm.h"
#include "cuda/layernorm.h"
#include "cuda/patch_embed.h"
#include "device_ops.h"
#include "models/backend.h"
#include "models/bert.h"
#include "models/vit.h"

namespace shapca::cuda {

// Host arrays a device model keeps between calls, so that a steady loop does not allocate.
struct HostStaging {
  std::vector<int32_t> ids;  // ids, types and positions on their way up
  std::vector<uint8_t> mask;
  std::vector<float> floats;  // device gradients on their way into host arrays
};

struct DeviceBackend {
#define SHAPCA_DEVICE_KERNEL(name) static constexpr auto name = ::shapca::cuda::name;
  SHAPCA_BACKEND_KERNELS(SHAPCA_DEVICE_KERNEL)
#undef SHAPCA_DEVICE_KERNEL

  // device_bert.cu, device_vit.cu (device_embeddings.h's kernels): the embedding sums
  SHAPCA_BACKEND_EMBEDDINGS

  static constexpr bool host_memory = false;
  HostStaging& host;

  int32_t* staging(int32_t*, int64_t n) {
    host.ids.resize(static_cast<size_t>(n));
    return host.ids.data();
  }
  uint8_t* staging(uint8_t*, int64_t n) {
    host.mask.resize(static_cast<size_t>(n));
    return host.mask.data();
  }
  Status load_bytes(void* buf, const void* h, int64_t bytes, const char* what) {
    return upload_bytes(buf, h, bytes, what);
  }
  Status load(float* buf, const float* h, int64_t n, const char* what) { return upload(buf, h, n, what); }
  Status view(const float** ptr, float* buf, const float* h, int64_t n, const char* what) {
    *ptr = buf;
    return upload(buf, h, n, what);
  }
  Status store(float* h, const float* buf, int64_t n, const char* what) { return download(h, buf, n, what); }
  Status store_add(float* h, const float* buf, int64_t n, const char* what) {
    return download_add(h, buf, n, host.floats, what);
  }
  Status accumulator(float** ptr, float* buf, float*, int64_t n) {
    *ptr = buf;
    return zero(buf, n);
  }
  Status flush(float* h, const float* buf, int64_t n, const char* what) { return store_add(h, buf, n, what); }
};

}  // namespace shapca::cuda
