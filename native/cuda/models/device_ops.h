// Whole-buffer helpers the device models chain between kernels (kernels/vec_ops.h on device
// pointers), plus strided row copies and the host boundary. Everything is queued on the default
// stream; only the host copies wait.
//   add_to: y += x    zero: y = 0    copy_to: y = x    (all (n))
//   tanh_forward: y = tanh(x);  tanh_backward: dx += dy ⊙ (1 − y²)
//   rows_copy: dst[r·ld_dst + j] = src[r·ld_src + j];  rows_add: … +=      (r < rows, j < c)
#pragma once
#include <cstdint>
#include <vector>

#include "core/status.h"

namespace shapca::cuda {

Status add_to(float* y, const float* x, int64_t n);
Status zero(float* y, int64_t n);
Status copy_to(float* y, const float* x, int64_t n);
Status tanh_forward(float* y, const float* x, int64_t n);
Status tanh_backward(float* dx, const float* y, const float* dy, int64_t n);
Status rows_copy(float* dst, int64_t ld_dst, const float* src, int64_t ld_src, int64_t rows, int64_t c);
Status rows_add(float* dst, int64_t ld_dst, const float* src, int64_t ld_src, int64_t rows, int64_t c);

// Host boundary: copies of n values (bytes for upload_bytes); download_add accumulates
// host += device through a host staging vector.
Status upload(float* device, const float* host, int64_t n, const char* what);
Status upload_bytes(void* device, const void* host, int64_t bytes, const char* what);
Status download(float* host, const float* device, int64_t n, const char* what);
Status download_add(float* host, const float* device, int64_t n, std::vector<float>& staging, const char* what);

}  // namespace shapca::cuda
