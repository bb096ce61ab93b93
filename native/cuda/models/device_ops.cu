#include <cuda_runtime_api.h>

#include "cuda/launch.cuh"
#include "device_ops.h"

namespace shapca::cuda {

namespace {

#define SHAPCA_GRID_LOOP(i, n)                                                   \
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < (n); \
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)

__global__ void add_kernel(float* y, const float* x, int64_t n) {
  SHAPCA_GRID_LOOP(i, n) y[i] += x[i];
}

__global__ void tanh_forward_kernel(float* y, const float* x, int64_t n) {
  SHAPCA_GRID_LOOP(i, n) y[i] = tanhf(x[i]);
}

__global__ void tanh_backward_kernel(float* dx, const float* y, const float* dy, int64_t n) {
  SHAPCA_GRID_LOOP(i, n) dx[i] += dy[i] * (1.0f - y[i] * y[i]);
}

__global__ void rows_kernel(float* dst, int64_t ld_dst, const float* src, int64_t ld_src, int64_t rows, int64_t c,
                            bool accumulate) {
  SHAPCA_GRID_LOOP(e, rows * c) {
    const int64_t r = e / c, j = e % c;
    const float v = src[r * ld_src + j];
    float* d = dst + r * ld_dst + j;
    *d = accumulate ? *d + v : v;
  }
}

#undef SHAPCA_GRID_LOOP

Status check_n(const char* what, int64_t n, const void* a, const void* b) {
  if (n < 0) return fail(Status::invalid_argument, "%s: expected n >= 0 but received %lld", what, static_cast<long long>(n));
  if (n > 0 && (a == nullptr || b == nullptr)) return fail(Status::invalid_argument, "%s: a required buffer is null", what);
  return Status::ok;
}

Status rows(float* dst, int64_t ld_dst, const float* src, int64_t ld_src, int64_t n_rows, int64_t c, bool accumulate) {
  const char* what = accumulate ? "rows_add" : "rows_copy";
  if (n_rows < 0 || c < 0 || ld_dst < c || ld_src < c) {
    return fail(Status::invalid_argument, "%s: expected rows, c >= 0 and strides >= c", what);
  }
  if (Status s = check_n(what, n_rows * c, dst, src); s != Status::ok || n_rows * c == 0) return s;
  launch(rows_kernel, grid_for(n_rows * c), kBlock, dst, ld_dst, src, ld_src, n_rows, c, accumulate);
  return check_launch(what);
}

}  // namespace

Status add_to(float* y, const float* x, int64_t n) {
  if (Status s = check_n("add_to", n, y, x); s != Status::ok || n == 0) return s;
  launch(add_kernel, grid_for(n), kBlock, y, x, n);
  return check_launch("add_to");
}

Status zero(float* y, int64_t n) {
  if (Status s = check_n("zero", n, y, y); s != Status::ok || n == 0) return s;
  return check(cudaMemsetAsync(y, 0, static_cast<size_t>(n) * sizeof(float)), "zero");
}

Status copy_to(float* y, const float* x, int64_t n) {
  if (Status s = check_n("copy_to", n, y, x); s != Status::ok || n == 0) return s;
  return check(cudaMemcpyAsync(y, x, static_cast<size_t>(n) * sizeof(float), cudaMemcpyDeviceToDevice), "copy_to");
}

Status tanh_forward(float* y, const float* x, int64_t n) {
  if (Status s = check_n("tanh_forward", n, y, x); s != Status::ok || n == 0) return s;
  launch(tanh_forward_kernel, grid_for(n), kBlock, y, x, n);
  return check_launch("tanh_forward");
}

Status tanh_backward(float* dx, const float* y, const float* dy, int64_t n) {
  if (Status s = check_n("tanh_backward", n, dx, y); s != Status::ok || n == 0) return s;
  if (dy == nullptr) return fail(Status::invalid_argument, "tanh_backward: dy is null");
  launch(tanh_backward_kernel, grid_for(n), kBlock, dx, y, dy, n);
  return check_launch("tanh_backward");
}

Status rows_copy(float* dst, int64_t ld_dst, const float* src, int64_t ld_src, int64_t n_rows, int64_t c) {
  return rows(dst, ld_dst, src, ld_src, n_rows, c, false);
}

Status rows_add(float* dst, int64_t ld_dst, const float* src, int64_t ld_src, int64_t n_rows, int64_t c) {
  return rows(dst, ld_dst, src, ld_src, n_rows, c, true);
}

Status upload(float* device, const float* host, int64_t n, const char* what) {
  return upload_bytes(device, host, n * static_cast<int64_t>(sizeof(float)), what);
}

Status upload_bytes(void* device, const void* host, int64_t bytes, const char* what) {
  if (Status s = check_n(what, bytes, device, host); s != Status::ok || bytes == 0) return s;
  return check(cudaMemcpy(device, host, static_cast<size_t>(bytes), cudaMemcpyHostToDevice), what);
}

Status download(float* host, const float* device, int64_t n, const char* what) {
  if (Status s = check_n(what, n, host, device); s != Status::ok || n == 0) return s;
  return check(cudaMemcpy(host, device, static_cast<size_t>(n) * sizeof(float), cudaMemcpyDeviceToHost), what);
}

Status download_add(float* host, const float* device, int64_t n, std::vector<float>& staging, const char* what) {
  if (n > 0 && static_cast<int64_t>(staging.size()) < n) staging.resize(static_cast<size_t>(n));
  if (Status s = download(staging.data(), device, n, what); s != Status::ok) return s;
  for (int64_t i = 0; i < n; ++i) host[i] += staging[i];
  return Status::ok;
}

}  // namespace shapca::cuda
