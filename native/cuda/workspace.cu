#include <cuda_runtime_api.h>

#include <cstring>

#include "device_buffer.h"
#include "workspace.h"

namespace shapca::cuda {

namespace {
struct Workspaces {
  DeviceBuffer<unsigned char> slots[static_cast<int>(Slot::count)];
  DeviceBuffer<unsigned long long> checks;
};

Workspaces& workspaces() {
  thread_local Workspaces w;
  return w;
}
}  // namespace

Status workspace(void** ptr, size_t bytes, Slot slot, const char* what) {
  const int i = static_cast<int>(slot);
  if (i < 0 || i >= static_cast<int>(Slot::count)) return fail(Status::internal, "%s: bad workspace slot %d", what, i);
  DeviceBuffer<unsigned char>& buf = workspaces().slots[i];
  if (bytes > buf.size()) {
    // Grow by half again, so that a slowly growing size does not reallocate every call.
    const size_t want = bytes + bytes / 2;
    if (Status s = buf.allocate(want); s != Status::ok) {
      if (Status s2 = buf.allocate(bytes); s2 != Status::ok) {
        return fail(Status::out_of_memory, "%s: could not allocate %zu bytes of device workspace", what, bytes);
      }
    }
  }
  *ptr = buf.data();
  return Status::ok;
}

Status checks_reset(Checks* c, const char* what) {
  static_assert(sizeof(double) == sizeof(unsigned long long), "counters and values share one buffer");
  DeviceBuffer<unsigned long long>& buf = workspaces().checks;
  if (Status s = buf.reserve(kCheckCount + kCheckValues); s != Status::ok) return s;
  c->device = buf.data();
  c->values = reinterpret_cast<double*>(buf.data() + kCheckCount);
  return check(cudaMemsetAsync(c->device, 0xff, kCheckCount * sizeof(unsigned long long)), what);
}

Status checks_read(const Checks& c, unsigned long long out[kCheckCount], const char* what, double* values) {
  unsigned long long all[kCheckCount + kCheckValues];
  const size_t n = kCheckCount + (values ? kCheckValues : 0);
  if (Status s = check(cudaMemcpy(all, c.device, n * sizeof(unsigned long long), cudaMemcpyDeviceToHost), what);
      s != Status::ok) {
    return s;
  }
  for (int i = 0; i < kCheckCount; ++i) out[i] = all[i];
  if (values) std::memcpy(values, all + kCheckCount, kCheckValues * sizeof(double));
  return Status::ok;
}

}  // namespace shapca::cuda
