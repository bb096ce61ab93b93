// The bridge between CUDA errors and shapca's Status (core/status.h): every CUDA call and kernel
// launch of native/cuda goes through these, so a failure becomes a status with its message in
// last_error(), never an abort. Allocation failures are out_of_memory; a missing device or
// driver is unsupported; anything else is internal.
#pragma once
#include <cuda_runtime_api.h>

#include "../core/status.h"

namespace shapca::cuda {

// ok for cudaSuccess; otherwise records "<what>: <CUDA's name>: <CUDA's message>" and clears the
// runtime's last error so that later calls start clean (a sticky error, such as an illegal
// address inside a kernel, stays until the process ends: CUDA offers no way to recover it).
Status check(cudaError_t err, const char* what);

// After a kernel launch: the launch's own error (a bad configuration, no device), without
// waiting for the kernel to finish.
Status check_launch(const char* what);

// Waits for all work queued so far and reports an error raised while it ran.
Status synchronize(const char* what);

// Whether a usable CUDA device is present (the first call asks the runtime; the answer is kept).
bool device_available();

}  // namespace shapca::cuda
