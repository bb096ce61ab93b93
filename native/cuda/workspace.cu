#include <cuda_runtime_api.h>

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
  DeviceBuffer<unsigned long long>& buf = workspaces().checks;
  if (Status s = buf.reserve(kCheckCount); s != Status::ok) return s;
  c->device = buf.data();
  return check(cudaMemsetAsync(c->device, 0xff, kCheckCount * sizeof(unsigned long long)), what);
}

Status checks_read(const Checks& c, unsigned long long out[kCheckCount], const char* what) {
  return check(cudaMemcpy(out, c.device, kCheckCount * sizeof(unsigned long long), cudaMemcpyDeviceToHost), what);
}

}  // namespace shapca::cuda
