// Device memory that entry points borrow instead of allocating on every call: grow-only
// workspaces kept per host thread, and the validation counters that kernels report bad inputs
// through. cudaMalloc/cudaFree cost more than most kernels here, and cudaFree waits for the
// device, so the hot paths never call them after the first use.
#pragma once
#include <cstddef>
#include <cstdint>

#include "cuda_status.h"

namespace shapca::cuda {

// One slot per nesting level: an entry point owns its slot until it returns, and a composite
// entry point (a loss) uses a different slot from the entry points it calls.
enum class Slot : int { leaf = 0, shapley = 1, loss = 2, align = 3, count = 4 };

// *ptr receives at least `bytes` bytes of device memory (contents undefined), valid until the
// next call for the same slot on this thread.
Status workspace(void** ptr, size_t bytes, Slot slot, const char* what);

// Lays several arrays out in one workspace, each aligned to 256 bytes:
//   Carve c; size_t a = c.add<float>(n), b = c.add<double>(m);  ... workspace(&base, c.bytes, ...)
//   float* pa = c.at<float>(base, a);
struct Carve {
  size_t bytes = 0;
  template <typename T>
  size_t add(size_t n) {
    const size_t off = bytes;
    bytes += (n * sizeof(T) + 255) / 256 * 256;
    return off;
  }
  template <typename T>
  static T* at(void* base, size_t off) {
    return reinterpret_cast<T*>(static_cast<char*>(base) + off);
  }
};

// Validation counters: a kernel that meets a bad input (an id outside its table, a NaN) writes
// the smallest offending index into its counter with atomicMin; checks_read brings all of them
// back in one copy, with a few double results (a loss) that a kernel left beside them, so that
// an entry point waits for the device once. It then fails with the CPU kernel's message for
// the index found.
constexpr int kCheckCount = 8;
constexpr int kCheckValues = 4;
constexpr unsigned long long kCheckNone = ~0ull;

struct Checks {
  unsigned long long* device = nullptr;  // kCheckCount counters
  double* values = nullptr;              // kCheckValues results, read back with the counters
};

// Resets this thread's counters to kCheckNone (queued on the stream, no wait).
Status checks_reset(Checks* c, const char* what);
// Copies the counters (and, when values is not null, the results) back, waiting for the kernels
// queued before.
Status checks_read(const Checks& c, unsigned long long out[kCheckCount], const char* what, double* values = nullptr);

}  // namespace shapca::cuda
