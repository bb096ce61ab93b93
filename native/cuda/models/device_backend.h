// The device backend of the model orchestration (models/backend.h): the CUDA kernels of
// native/cuda and the device helpers of device_ops.h, on device pointers.
#pragma once
#include "cuda/attention.h"
#include "cuda/gelu.h"
#include "cuda/gemm.h"
#include "cuda/layernorm.h"
#include "device_ops.h"
#include "models/backend.h"

namespace shapca::cuda {

struct DeviceBackend {
#define SHAPCA_DEVICE_KERNEL(name) static constexpr auto name = ::shapca::cuda::name;
  SHAPCA_BACKEND_KERNELS(SHAPCA_DEVICE_KERNEL)
#undef SHAPCA_DEVICE_KERNEL
};

}  // namespace shapca::cuda
