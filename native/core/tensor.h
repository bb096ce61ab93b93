// A non-owning view of a dense row-major float32 tensor: pointer + shape (+ leading stride).
// Kernels take raw pointers and shape integers (llm.c style); views are what the binding and the
// tests pass around and check.
#pragma once
#include <cstdint>
#include <initializer_list>

namespace shapca {

constexpr int kMaxDims = 4;

struct TensorView {
  float* data = nullptr;
  int64_t shape[kMaxDims] = {0, 0, 0, 0};
  int ndim = 0;

  TensorView() = default;
  TensorView(float* d, std::initializer_list<int64_t> dims) : data(d) {
    for (int64_t v : dims) {
      if (ndim < kMaxDims) shape[ndim++] = v;
    }
  }
  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < ndim; ++i) n *= shape[i];
    return n;
  }
  int64_t dim(int i) const { return i < ndim ? shape[i] : 1; }
};

// Checked product of sizes: false when any size is negative or the product overflows int64.
bool checked_numel(std::initializer_list<int64_t> dims, int64_t* out);

}  // namespace shapca
