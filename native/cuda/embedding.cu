// Embedding forward (a gather) and backward (a scatter-add with atomics), after a check kernel
// that finds the first id outside the table.
#include "embedding.h"
#include "launch.cuh"
#include "workspace.h"

namespace shapca::cuda {

namespace {

__global__ void check_ids_kernel(unsigned long long* bad, const int32_t* ids, int64_t n_ids, int64_t vocab) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n_ids;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    if (ids[i] < 0 || ids[i] >= vocab) flag_index(bad, i);
  }
}

__global__ void embedding_forward_kernel(float* out, const int32_t* ids, const float* table, int64_t n_ids, int64_t c) {
  const int64_t total = n_ids * c;
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < total;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t i = e / c, j = e % c;
    out[e] = table[static_cast<int64_t>(ids[i]) * c + j];
  }
}

__global__ void embedding_backward_kernel(float* dtable, const float* dout, const int32_t* ids, int64_t n_ids,
                                          int64_t c) {
  const int64_t total = n_ids * c;
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < total;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t i = e / c, j = e % c;
    atomicAdd(dtable + static_cast<int64_t>(ids[i]) * c + j, dout[e]);
  }
}

Status check_ids(const char* what, const int32_t* ids, int64_t n_ids, int64_t vocab) {
  Checks checks;
  if (Status s = checks_reset(&checks, what); s != Status::ok) return s;
  launch(check_ids_kernel, grid_for(n_ids), kBlock, checks.device, ids, n_ids, vocab);
  if (Status s = check_launch(what); s != Status::ok) return s;
  unsigned long long found[kCheckCount];
  if (Status s = checks_read(checks, found, what); s != Status::ok) return s;
  if (found[0] == kCheckNone) return Status::ok;
  int32_t id = 0;
  if (Status s = check(cudaMemcpy(&id, ids + found[0], sizeof id, cudaMemcpyDeviceToHost), what); s != Status::ok) return s;
  return fail(Status::out_of_range, "%s: expected ids in [0, %lld) but ids[%llu] = %d", what,
              static_cast<long long>(vocab), found[0], id);
}

Status check_args(const char* what, int64_t n_ids, int64_t vocab, int64_t c, const void* a, const void* b,
                  const void* d) {
  if (n_ids < 0 || c < 0 || vocab < 0) {
    return fail(Status::invalid_argument, "%s: expected non-negative sizes but received n_ids=%lld vocab=%lld c=%lld",
                what, static_cast<long long>(n_ids), static_cast<long long>(vocab), static_cast<long long>(c));
  }
  if (n_ids > 0 && c > 0 && (a == nullptr || b == nullptr || d == nullptr)) {
    return fail(Status::invalid_argument, "%s: a required buffer is null", what);
  }
  return Status::ok;
}

}  // namespace

Status embedding_forward(float* out, const int32_t* ids, const float* table, int64_t n_ids, int64_t vocab, int64_t c) {
  const char* what = "embedding_forward";
  if (Status s = check_args(what, n_ids, vocab, c, out, ids, table); s != Status::ok) return s;
  if (n_ids == 0 || c == 0) return Status::ok;
  if (Status s = check_ids(what, ids, n_ids, vocab); s != Status::ok) return s;
  launch(embedding_forward_kernel, grid_for(n_ids * c), kBlock, out, ids, table, n_ids, c);
  return check_launch(what);
}

Status embedding_backward(float* dtable, const float* dout, const int32_t* ids, int64_t n_ids, int64_t vocab,
                          int64_t c) {
  const char* what = "embedding_backward";
  if (Status s = check_args(what, n_ids, vocab, c, dtable, dout, ids); s != Status::ok) return s;
  if (n_ids == 0 || c == 0) return Status::ok;
  if (Status s = check_ids(what, ids, n_ids, vocab); s != Status::ok) return s;
  launch(embedding_backward_kernel, grid_for(n_ids * c), kBlock, dtable, dout, ids, n_ids, c);
  return check_launch(what);
}

}  // namespace shapca::cuda
