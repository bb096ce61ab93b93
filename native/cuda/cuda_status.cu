#include "cuda_status.h"

namespace shapca::cuda {

Status check(cudaError_t err, const char* what) {
  if (err == cudaSuccess) return Status::ok;
  cudaGetLastError();  // clear a non-sticky error
  Status s = Status::internal;
  if (err == cudaErrorMemoryAllocation) s = Status::out_of_memory;
  if (err == cudaErrorNoDevice || err == cudaErrorInsufficientDriver || err == cudaErrorInvalidDevice) {
    s = Status::unsupported;
  }
  return fail(s, "%s: %s: %s", what, cudaGetErrorName(err), cudaGetErrorString(err));
}

Status check_launch(const char* what) { return check(cudaGetLastError(), what); }

Status synchronize(const char* what) { return check(cudaDeviceSynchronize(), what); }

bool device_available() {
  static const bool available = [] {
    int count = 0;
    const bool ok = cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
    cudaGetLastError();
    return ok;
  }();
  return available;
}

}  // namespace shapca::cuda
