#include "device_arena.h"

namespace shapca::cuda {

Status DeviceArena::commit(const char* what) {
  constexpr int64_t kAlign = 256;  // cudaMalloc's own alignment, so vector loads stay aligned
  int64_t total = 0;
  for (const Request& r : requests_) total += (r.bytes + kAlign - 1) / kAlign * kAlign;
  if (total > static_cast<int64_t>(block_.size())) {
    block_.allocate(0);  // free first: the old block is dead and the device may not hold both
    if (block_.allocate(static_cast<size_t>(total)) != Status::ok) {
      return fail(Status::out_of_memory, "%s: could not allocate %.1f MiB of device activations", what,
                  static_cast<double>(total) / (1 << 20));
    }
  }
  int64_t at = 0;
  for (const Request& r : requests_) {
    *r.slot = r.bytes > 0 ? block_.data() + at : nullptr;
    at += (r.bytes + kAlign - 1) / kAlign * kAlign;
  }
  return Status::ok;
}

}  // namespace shapca::cuda
