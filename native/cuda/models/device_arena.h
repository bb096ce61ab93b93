// The device twin of models/param_table.h's Arena: one cudaMalloc carved into typed buffers.
// plan() the sizes, then commit(); the block is kept while later plans fit in it, so a model
// sizes its activations to the largest batch seen so far and a steady loop never allocates.
#pragma once
#include <cstdint>
#include <vector>

#include "core/status.h"
#include "cuda/device_buffer.h"

namespace shapca::cuda {

class DeviceArena {
 public:
  void begin() { requests_.clear(); }
  template <typename T>
  void plan(T** slot, int64_t count) {
    requests_.push_back({reinterpret_cast<void**>(slot), count * static_cast<int64_t>(sizeof(T))});
  }
  // Points every planned slot into the block (null for an empty request), growing it if needed.
  Status commit(const char* what);
  int64_t bytes() const { return static_cast<int64_t>(block_.size()); }

 private:
  struct Request {
    void** slot;
    int64_t bytes;
  };
  std::vector<Request> requests_;
  DeviceBuffer<unsigned char> block_;
};

}  // namespace shapca::cuda
