#include <cuda_runtime.h>

#include <cstdio>

#include "probe.h"

namespace shapca::cuda {

Probe probe() {
  Probe p;
  cudaRuntimeGetVersion(&p.runtime_version);
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    std::snprintf(p.message, sizeof p.message, "%s", cudaGetErrorString(err));
    cudaGetLastError();  // clear the sticky error so later calls start clean
    return p;
  }
  p.device_count = count;
  if (count > 0) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess) {
      std::snprintf(p.device_name, sizeof p.device_name, "%.200s (sm_%d%d)", prop.name, prop.major, prop.minor);
    }
  } else {
    std::snprintf(p.message, sizeof p.message, "no CUDA device found");
  }
  return p;
}

}  // namespace shapca::cuda
