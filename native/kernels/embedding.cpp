#include "embedding.h"

#include <algorithm>
#include <cstring>

#include "../core/cpu.h"
#include "avx2/avx2.h"
#include "rows.h"

namespace shapca {

namespace {
Status check_ids(const char* what, const int32_t* ids, int64_t n_ids, int64_t vocab) {
  for (int64_t i = 0; i < n_ids; ++i) {
    if (ids[i] < 0 || ids[i] >= vocab) {
      return fail(Status::out_of_range, "%s: expected ids in [0, %lld) but ids[%lld] = %d", what,
                  static_cast<long long>(vocab), static_cast<long long>(i), ids[i]);
    }
  }
  return Status::ok;
}
}  // namespace

Status embedding_forward(float* out, const int32_t* ids, const float* table, int64_t n_ids, int64_t vocab,
                         int64_t c) {
  if (Status s = check_rows("embedding_forward", n_ids, c, out, ids, table); s != Status::ok) return s;
  if (Status s = check_ids("embedding_forward", ids, n_ids, vocab); s != Status::ok) return s;
  return for_rows(n_ids, c, [&](int64_t i) {
    std::memcpy(out + i * c, table + static_cast<int64_t>(ids[i]) * c, static_cast<size_t>(c) * sizeof(float));
  });
}

Status embedding_backward(float* dtable, const float* dout, const int32_t* ids, int64_t n_ids, int64_t vocab,
                          int64_t c) {
  if (Status s = check_rows("embedding_backward", n_ids, c, dtable, dout, ids); s != Status::ok) return s;
  if (Status s = check_ids("embedding_backward", ids, n_ids, vocab); s != Status::ok) return s;
  const bool avx = use_avx2();
  // Threads own disjoint column slices, so repeated ids never race.
  const int64_t slice = 64;
  const int64_t slices = (c + slice - 1) / slice;
  auto run_slices = [&](int64_t s0, int64_t s1) {
    const int64_t c0 = s0 * slice, c1 = std::min(c, s1 * slice);
    for (int64_t i = 0; i < n_ids; ++i) {
      float* dst = dtable + static_cast<int64_t>(ids[i]) * c + c0;
      const float* src = dout + i * c + c0;
      if (avx) {
        avx2::add_inplace(dst, src, c1 - c0);
      } else {
        for (int64_t j = 0; j < c1 - c0; ++j) dst[j] += src[j];
      }
    }
  };
  if (n_ids * c < kParallelElements) {
    run_slices(0, slices);
    return Status::ok;
  }
  return ThreadPool::global().parallel_for(slices, 1, run_slices);
}

}  // namespace shapca
