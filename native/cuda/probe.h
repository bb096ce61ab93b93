// CUDA availability probe. Built only when nvcc is present (cmake-js build with SHAPCA_CUDA);
// callers guard with SHAPCA_HAVE_CUDA. A machine without a GPU or driver gets a device count of 0
// and the driver's message, never an abort: the CPU path stays the default truth.
#pragma once
#include <cstddef>

namespace shapca::cuda {

struct Probe {
  int device_count = 0;    // 0 when no usable GPU/driver
  int runtime_version = 0;
  char device_name[256] = "";
  char message[256] = "";  // why no device is usable, when device_count == 0
};

Probe probe();

}  // namespace shapca::cuda
