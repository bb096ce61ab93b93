// A 64-byte-aligned array of T that grows on demand and keeps its memory between calls: the
// per-thread scratch of the kernels (declared thread_local), so that a forward neither allocates
// nor faults in its pages per call. Growing drops the contents; nothing is ever zeroed.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <memory>

namespace shapca {

template <typename T>
class GrowBuffer {
 public:
  // At least `count` elements (the buffer as it is when it already holds that many); null when
  // it must grow and the allocation fails, or when nothing was ever asked for.
  T* ensure(size_t count) {
    if (cap_ < count) {
      buf_.reset(static_cast<T*>(std::aligned_alloc(64, (count * sizeof(T) + 63) / 64 * 64)));
      cap_ = buf_ ? count : 0;
    }
    return buf_.get();
  }
  T* get() const { return buf_.get(); }

 private:
  struct Free {
    void operator()(T* p) const { std::free(p); }
  };
  std::unique_ptr<T, Free> buf_;
  size_t cap_ = 0;
};

}  // namespace shapca
