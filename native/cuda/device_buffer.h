// DeviceBuffer<T>: n elements of device memory owned by one object (RAII, move-only). Every
// operation returns a Status (cuda_status.h); the destructor frees and ignores errors, since a
// destructor has nobody to report to.
//
//   DeviceBuffer<float> x;
//   if (Status s = x.upload(host.data(), host.size()); s != Status::ok) return s;   // allocates
//   shapca::cuda::gelu_forward(y.data(), x.data(), n);
#pragma once
#include <cuda_runtime_api.h>

#include <cstddef>
#include <utility>

#include "cuda_status.h"

namespace shapca::cuda {

template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(std::exchange(o.ptr_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      release();
      ptr_ = std::exchange(o.ptr_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  ~DeviceBuffer() { release(); }

  T* data() { return ptr_; }
  const T* data() const { return ptr_; }
  size_t size() const { return size_; }
  size_t bytes() const { return size_ * sizeof(T); }

  // Exactly n elements (their contents undefined); n = 0 frees.
  Status allocate(size_t n) {
    if (n == size_ && (ptr_ != nullptr || n == 0)) return Status::ok;
    release();
    if (n == 0) return Status::ok;
    void* p = nullptr;
    if (Status s = check(cudaMalloc(&p, n * sizeof(T)), "DeviceBuffer: cudaMalloc"); s != Status::ok) return s;
    ptr_ = static_cast<T*>(p);
    size_ = n;
    return Status::ok;
  }
  // At least n elements, keeping the allocation when it is large enough (contents undefined).
  Status reserve(size_t n) { return n <= size_ && (ptr_ != nullptr || n == 0) ? Status::ok : allocate(n); }
  // n elements set to byte 0.
  Status zeros(size_t n) {
    if (Status s = allocate(n); s != Status::ok || n == 0) return s;
    return check(cudaMemset(ptr_, 0, n * sizeof(T)), "DeviceBuffer: cudaMemset");
  }
  // Allocates n elements and copies them from the host.
  Status upload(const T* host, size_t n) {
    if (Status s = allocate(n); s != Status::ok || n == 0) return s;
    return check(cudaMemcpy(ptr_, host, n * sizeof(T), cudaMemcpyHostToDevice), "DeviceBuffer: upload");
  }
  // Copies the first n elements to the host (waits for the work queued before).
  Status download(T* host, size_t n) const {
    if (n > size_) return fail(Status::out_of_range, "DeviceBuffer: download of %zu elements from a buffer of %zu", n, size_);
    if (n == 0) return Status::ok;
    return check(cudaMemcpy(host, ptr_, n * sizeof(T), cudaMemcpyDeviceToHost), "DeviceBuffer: download");
  }

 private:
  void release() {
    if (ptr_ != nullptr) cudaFree(ptr_);
    ptr_ = nullptr;
    size_ = 0;
  }
  T* ptr_ = nullptr;
  size_t size_ = 0;
};

}  // namespace shapca::cuda
